// The browser journey, driven by tests/e2e/browser.rs:
//   node journey.mjs BASE_URL SCREENSHOT_DIR
// It drives Debian's chromium (CHROMIUM, default /usr/bin/chromium) through the pages of a
// running grantledger. When the story needs time to pass it prints `CLOCK <rfc3339>` and waits
// for the test to answer `ok` on stdin after moving the server's clock.
// Every persona's main page is checked with axe-core (WCAG 2.1 A/AA); a serious or critical
// violation fails the run. Screenshots go to SCREENSHOT_DIR.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const [base, shots] = process.argv.slice(2);
assert.ok(base && shots, 'usage: node journey.mjs BASE_URL SCREENSHOT_DIR');
mkdirSync(shots, { recursive: true });
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const ORG = {
  LEAD: '91320583MA1KC00109', ENT_A: '91320583MA1KC00296', ENT_C: '91320500MA1GC0041G',
  UNIV: '123200004660000105', INST: '123205834660000293',
};
const PDF = Buffer.from('%PDF-1.7\n% grantledger browser test plan\n%%EOF\n');

const lines = createInterface({ input: process.stdin });
const answers = lines[Symbol.asyncIterator]();
async function setClock(at) {
  process.stdout.write(`CLOCK ${at}\n`);
  const { value } = await answers.next();
  assert.equal(value, 'ok', `the test did not move the clock: ${value}`);
}
const step = (text) => process.stdout.write(`STEP ${text}\n`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const violations = [];
let shot = 0;

async function persona(sub, role, org, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => { throw new Error(`page error as ${sub}: ${e.message}`); });
  await page.goto(`${base}/#/signin`);
  await page.getByText('仅限开发环境').waitFor();
  await page.getByLabel('人员标识 (sub)').fill(sub);
  await page.getByLabel('角色').selectOption(role);
  if (org) await page.getByLabel('单位统一社会信用代码').fill(org);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText(`当前身份: ${sub}`).waitFor();
  return page;
}

async function snap(page, name) {
  shot += 1;
  await page.screenshot({ path: `${shots}/${String(shot).padStart(2, '0')}-${name}.png`, fullPage: true });
}

async function axe(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) violations.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  step(`axe ${name}: ${result.violations.length} violations, ${bad.length} serious/critical, ${result.passes.length} rules passed`);
}

let visits = 0;
async function go(page, hash) {
  // A fresh query string makes every visit a full load, even of the page already shown.
  visits += 1;
  await page.goto(`${base}/?v=${visits}${hash}`);
  await page.waitForFunction((h) => document.body.dataset.ready === h.split('?')[0], hash);
}

try {
  // --- 2027-01-10: the officer drafts and publishes a call -----------------------------------
  step('officer drafts and publishes a call');
  const officer = await persona('officer-1', 'officer');
  await go(officer, '#/officer/new');
  await officer.getByLabel('标题').fill('高分辨率光刻胶国产替代');
  await officer.getByLabel('需求方').fill(ORG.LEAD);
  await officer.getByLabel('产业链').fill('新型显示');
  await officer.getByLabel('指标名称').fill('分辨率');
  await officer.getByLabel('单位', { exact: true }).fill('nm');
  await officer.getByLabel('目标值').fill('≤ 90');
  await officer.getByLabel('资助上限 (万元)').fill('300');
  await officer.getByLabel('开始日期').fill('2027-01-04');
  await officer.getByLabel('截止日期').fill('2027-02-26');
  await officer.getByLabel('完成期限').fill('2029-12-31');
  await officer.getByRole('button', { name: '创建' }).click();
  await officer.getByRole('heading', { name: '高分辨率光刻胶国产替代' }).waitFor();
  await officer.getByRole('button', { name: '发榜' }).click();
  await officer.locator('[data-status="published"]').first().waitFor();
  const callId = officer.url().split('#/calls/')[1];
  assert.ok(callId, 'the call page shows the new call');

  // --- the applicant finds the call and submits a joint bid ----------------------------------
  step('applicant searches the calls and submits a joint bid');
  const applicant = await persona('alice', 'applicant', ORG.ENT_A);
  await go(applicant, '#/calls');
  await applicant.getByLabel('按标题搜索').fill('光刻胶');
  await applicant.getByLabel('产业链').fill('新型显示');
  await applicant.getByRole('button', { name: '筛选' }).click();
  await applicant.getByRole('link', { name: '高分辨率光刻胶国产替代' }).waitFor();
  await axe(applicant, 'applicant calls');
  await snap(applicant, 'applicant-calls');
  // 300 万元 shows with its exact yuan.
  assert.equal(await applicant.locator('.money').first().getAttribute('title'), '¥3,000,000.00 元');
  await applicant.getByRole('link', { name: '高分辨率光刻胶国产替代' }).click();
  await applicant.getByRole('link', { name: '揭榜申报' }).click();
  await applicant.getByLabel('牵头单位名称').fill('昆山甲科技有限公司');
  await applicant.getByLabel('标题').fill('90nm 光刻胶国产化');
  await applicant.getByLabel('项目负责人').fill('张三');
  await applicant.getByLabel('技术方案').fill('树脂合成 + 光酸体系');
  await applicant.getByLabel('申请资助（万元）').fill('301');
  await applicant.getByLabel('联合协议编号').fill('JA-2027-001');
  await applicant.getByRole('button', { name: '添加成员单位' }).click();
  await applicant.getByLabel('成员单位信用代码 1').fill(ORG.UNIV);
  await applicant.getByLabel('成员单位名称 1').fill('某大学');
  await applicant.getByRole('button', { name: '添加课题' }).click();
  await applicant.getByRole('button', { name: '添加课题' }).click();
  await applicant.getByLabel('课题名称 1').fill('树脂合成');
  await applicant.getByLabel('承担单位信用代码 1').fill(ORG.ENT_A);
  await applicant.getByLabel('课题经费（万元） 1').fill('120');
  await applicant.getByLabel('课题名称 2').fill('光酸体系');
  await applicant.getByLabel('承担单位信用代码 2').fill(ORG.UNIV);
  await applicant.getByLabel('课题经费（万元） 2').fill('80');
  await applicant.getByLabel('里程碑 1').fill('小试');
  await applicant.getByLabel('到期日 1').fill('2027-12-31');
  await applicant.getByLabel('拨付（万元） 1').fill('120');
  await applicant.getByRole('button', { name: '添加里程碑' }).click();
  await applicant.getByLabel('里程碑 2').fill('中试');
  await applicant.getByLabel('到期日 2').fill('2028-12-31');
  await applicant.getByLabel('拨付（万元） 2').fill('80');
  // Live sums: 200 of a 301 request do not match.
  await applicant.locator('#live-sums.bad').waitFor();
  // The server refuses 301 万元 over the 300 万元 cap: the detail sits by the field, input kept.
  await applicant.getByRole('button', { name: '提交' }).click();
  const capError = applicant.locator('[data-error-for="requested_fen"]');
  await capError.filter({ hasText: '超过榜单资助上限' }).waitFor();
  assert.equal(await applicant.getByLabel('申请资助（万元）').getAttribute('aria-invalid'), 'true');
  assert.equal(await applicant.getByLabel('课题名称 2').inputValue(), '光酸体系');
  await snap(applicant, 'applicant-bid-refused');
  await axe(applicant, 'applicant bid form');
  await applicant.getByLabel('申请资助（万元）').fill('200');
  await applicant.locator('#live-sums.ok').waitFor();
  await applicant.getByRole('button', { name: '提交' }).click();
  await applicant.locator('[data-status="submitted"]').waitFor();
  const bidId = applicant.url().split('#/bids/')[1];
  assert.ok(bidId);
  await applicant.getByLabel('文件（PDF 等）').setInputFiles({ name: 'plan.pdf', mimeType: 'application/pdf', buffer: PDF });
  await applicant.getByRole('button', { name: '上传附件' }).click();
  await applicant.locator('#attachments li', { hasText: 'plan.pdf' }).waitFor();
  // An amendment while the window is open: the form comes back filled in.
  await applicant.getByRole('link', { name: '修改' }).click();
  assert.equal(await applicant.getByLabel('成员单位信用代码 1').inputValue(), ORG.UNIV);
  assert.equal(await applicant.getByLabel('拨付（万元） 2').inputValue(), '80');
  await applicant.getByLabel('技术方案').fill('树脂合成 + 光酸体系（修订）');
  await applicant.getByRole('button', { name: '提交' }).click();
  await applicant.locator('dd', { hasText: /^2$/ }).waitFor();
  await snap(applicant, 'applicant-bid');

  // The pages show only what the API allows: an applicant opening the officers' project list
  // gets the API's refusal, not the list.
  await go(applicant, '#/officer/projects');
  await applicant.getByRole('alert').filter({ hasText: '403' }).waitFor();
  assert.equal(await applicant.locator('.cards').count(), 0);

  // 360 px: the calls page fits without sideways scrolling.
  const narrow = await persona('alice', 'applicant', ORG.ENT_A, { width: 360, height: 740 });
  await go(narrow, '#/calls');
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the calls page scrolls sideways at 360 px by ${overflow} px`);
  await snap(narrow, 'applicant-calls-360px');
  await narrow.context().close();

  // --- 2027-02-27: the window has closed; formal check and experts ---------------------------
  await setClock('2027-02-27T09:00:00+08:00');
  step('officer closes the call, passes the formal check and seats three experts');
  await go(officer, `#/calls/${callId}`);
  await officer.getByRole('button', { name: '截止揭榜' }).click();
  await officer.locator('[data-status="closed"]').waitFor();
  await go(officer, `#/bids/${bidId}`);
  await officer.getByRole('button', { name: '形式审查' }).click();
  await officer.locator('[data-status="compliant"]').waitFor();
  const experts = [['r1', ORG.ENT_C, 90], ['r2', ORG.INST, 80], ['r3', ORG.ENT_C, 85]];
  for (const [i, [id, org]] of experts.entries()) {
    await officer.getByLabel(`专家标识 ${i + 1}`).fill(id);
    await officer.getByLabel(`专家单位信用代码 ${i + 1}`).fill(org);
  }
  await officer.getByRole('button', { name: '遴选评审专家' }).last().click();
  await officer.locator('[data-status="under_review"]').waitFor();

  step('three experts score blind, watching the live weighted mean');
  for (const [id, org, score] of experts) {
    const expert = await persona(id, 'reviewer', org);
    await go(expert, '#/reviews');
    await expert.getByRole('link', { name: '90nm 光刻胶国产化' }).click();
    await expert.getByText('盲评').waitFor();
    assert.equal(await expert.getByText('昆山甲科技有限公司').count(), 0, 'the bidder is hidden from experts');
    const inputs = expert.locator('input[type=number]');
    const n = await inputs.count();
    assert.equal(n, 5, 'five weighted criteria');
    for (let k = 0; k < n; k++) await inputs.nth(k).fill(String(score - (k === 0 ? 10 : 0)));
    // technical_approach weighs 30%: (score - 10) * 0.3 + score * 0.7.
    assert.equal(await expert.locator('#weighted-mean').textContent(), (score - 3).toFixed(2));
    for (let k = 0; k < n; k++) await inputs.nth(k).fill(String(score));
    assert.equal(await expert.locator('#weighted-mean').textContent(), score.toFixed(2));
    await expert.getByLabel('评审意见').fill('路线可行');
    if (id === 'r1') { await axe(expert, 'expert scoring form'); await snap(expert, 'expert-scoring'); }
    await expert.getByRole('button', { name: '提交' }).click();
    await expert.getByRole('heading', { name: '评审队列' }).waitFor();
    if (id === 'r1') {
      await axe(expert, 'expert queue');
      await snap(expert, 'expert-queue');
      await go(expert, '#/evaluations');
      await expert.getByRole('heading', { name: '考核评价' }).waitFor();
      await axe(expert, 'expert evaluation rounds');
    }
    await expert.context().close();
  }
  await go(officer, `#/bids/${bidId}`);
  await officer.getByRole('button', { name: '评审结论' }).click();
  await officer.locator('[data-status="reviewed"]').waitFor();
  await go(officer, `#/officer/calls/${callId}`);
  await officer.getByRole('cell', { name: '85.00' }).waitFor();

  // --- 2027-03-01 to 03-08: 公示, then the award -------------------------------------------
  await setClock('2027-03-01T09:00:00+08:00');
  step('officer runs the 公示');
  await go(officer, `#/bids/${bidId}`);
  await officer.getByLabel('公示开始').fill('2027-03-01');
  await officer.getByLabel('公示结束').fill('2027-03-06');
  await officer.getByRole('button', { name: '公示' }).last().click();
  await officer.locator('[data-error-for="to"]').filter({ hasText: '不少于 7 天' }).waitFor();
  await officer.getByLabel('公示结束').fill('2027-03-07');
  await officer.getByRole('button', { name: '公示' }).last().click();
  await officer.locator('[data-status="in_public_notice"]').waitFor();
  await setClock('2027-03-08T09:00:00+08:00');
  await go(officer, `#/bids/${bidId}`);
  await officer.getByRole('button', { name: '结束公示' }).click();
  await officer.locator('[data-status="cleared"]').waitFor();
  step('officer awards 180 万元');
  await go(officer, `#/officer/calls/${callId}`);
  await officer.getByLabel('金额（万元）').fill('180');
  await officer.getByRole('button', { name: '立项决定' }).click();
  await officer.locator('[data-status="awarded"]').first().waitFor();
  await axe(officer, 'officer call');
  await snap(officer, 'officer-call');

  // The award's process manager opens the project in the background.
  step('applicant sees the award');
  let projectId = null;
  for (let i = 0; i < 40 && !projectId; i++) {
    await go(applicant, `#/bids/${bidId}`);
    const link = applicant.getByRole('link', { name: '查看项目' });
    if (await link.count()) projectId = (await link.getAttribute('href')).split('#/projects/')[1];
    else await applicant.waitForTimeout(500);
  }
  assert.ok(projectId, 'the awarded bid links its project');
  assert.equal(await applicant.locator('dd .money[data-fen="180000000"]').count(), 1, 'the award shows 180 万元');
  await snap(applicant, 'applicant-awarded');

  step('officer signs the task book');
  await go(officer, `#/projects/${projectId}`);
  await officer.getByLabel('任务书编号').fill('昆科任〔2027〕8号');
  await officer.getByLabel('开始日期').fill('2027-04-01');
  await officer.getByLabel('结束日期').fill('2029-06-30');
  // The bid planned 120 + 80 万元; the award is 180, so the task book's tranches must change.
  await officer.getByRole('button', { name: '签订任务书' }).click();
  await officer.locator('[data-error-for="tranches"]').filter({ hasText: '立项金额' }).waitFor();
  await officer.getByLabel('m1: 小试').fill('108');
  await officer.getByLabel('m2: 中试').fill('72');
  await officer.getByRole('button', { name: '签订任务书' }).click();
  await officer.locator('[data-status="in_progress"]').first().waitFor();

  // --- 2027-12-20: the applicant reports; the officer pays the tranche ----------------------
  await setClock('2027-12-20T09:00:00+08:00');
  step('applicant reports milestone m1');
  await go(applicant, '#/projects');
  await applicant.getByRole('link', { name: `项目 ${projectId.slice(0, 8)}` }).click();
  const m1 = applicant.locator('[data-milestone="m1"]');
  await m1.getByLabel('佐证材料编号').fill('EV-2027-小试报告');
  await m1.getByRole('button', { name: '报告' }).click();
  await applicant.locator('[data-milestone="m1"] [data-status="reported"]').waitFor();
  await axe(applicant, 'applicant project');
  await snap(applicant, 'applicant-project');

  step('officer assesses m1 and pays tranche t1');
  await go(officer, `#/projects/${projectId}`);
  await officer.locator('[data-milestone="m1"]').getByRole('button', { name: '审核里程碑' }).click();
  await officer.locator('[data-milestone="m1"] [data-status="passed"]').waitFor();
  const t1 = officer.locator('[data-tranche="t1"]');
  await t1.getByLabel('支付凭证号').fill('PAY-2027-001');
  await t1.getByRole('button', { name: '拨付' }).click();
  await officer.locator('[data-tranche="t1"] [data-status="paid"]').waitFor();
  for (const [hash, title] of [['#/officer/consortia', '创新联合体'], ['#/officer/rounds', '考核评价轮次'], ['#/officer/attention', '待处理事项'], ['#/clawbacks', '追回资金']]) {
    await go(officer, hash);
    await officer.getByRole('heading', { name: title, exact: true }).waitFor();
    await axe(officer, `officer ${hash}`);
  }
  // --- the programme office: a need into the pool, a call drafted from it, the KPI table ------
  step('officer registers a need, refuses a rejection without a reason, accepts it and drafts a call from it');
  await go(officer, '#/officer/needs');
  const reg = officer.locator('form[aria-label="登记需求"]');
  await reg.getByLabel('出题单位信用代码').fill(ORG.LEAD);
  await reg.getByLabel('需求类别').selectOption('major_enterprise');
  await reg.getByLabel('产业链').fill('集成电路');
  await reg.getByLabel('标题').fill('车规级芯片先进封装');
  await reg.getByLabel('需求描述').fill('车规级芯片的先进封装工艺, 满足 AEC-Q100');
  await reg.getByLabel('预期成果').fill('封装良率 ≥ 99%');
  await axe(officer, 'officer needs pool');
  await reg.getByRole('button', { name: '登记需求' }).click();
  await officer.locator('[data-status="registered"]').waitFor();
  const needId = officer.url().split('#/officer/needs/')[1];
  assert.ok(needId, 'the need page shows the new need');
  await officer.getByLabel('甄选结论').selectOption('reject');
  await officer.getByRole('button', { name: '需求甄选' }).click();
  await officer.locator('[data-error-for="reason"]').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await officer.locator('[data-status="registered"]').count(), 1, 'the refused rejection changed nothing');
  await officer.getByLabel('甄选结论').selectOption('accept');
  await officer.getByLabel('甄选意见或理由').fill('符合产业链需求');
  await officer.getByRole('button', { name: '需求甄选' }).click();
  await officer.locator('[data-status="accepted"]').waitFor();
  await axe(officer, 'officer need');
  await snap(officer, 'officer-need');
  await officer.getByRole('link', { name: '据此拟定榜单' }).click();
  await officer.locator('fieldset legend', { hasText: '对应需求' }).waitFor();
  assert.equal(await officer.getByLabel('需求方').inputValue(), ORG.LEAD, 'the demand owner is the need\'s poser');
  assert.equal(await officer.getByLabel('标题').inputValue(), '车规级芯片先进封装');
  await officer.getByLabel('指标名称').fill('封装良率');
  await officer.getByLabel('单位', { exact: true }).fill('%');
  await officer.getByLabel('目标值').fill('≥ 99');
  await officer.getByLabel('资助上限 (万元)').fill('200');
  await officer.getByLabel('开始日期').fill('2028-01-04');
  await officer.getByLabel('截止日期').fill('2028-02-26');
  await officer.getByLabel('完成期限').fill('2030-12-31');
  await officer.getByRole('button', { name: '创建' }).click();
  await officer.getByRole('heading', { name: '车规级芯片先进封装' }).waitFor();
  await officer.getByRole('link', { name: `需求 ${needId.slice(0, 8)}` }).click();
  await officer.locator('[data-status="adopted"]').waitFor();
  await officer.getByRole('link', { name: '车规级芯片先进封装' }).waitFor();
  await go(officer, '#/officer/needs?q=封装&status=adopted');
  await officer.locator(`tr[data-need="${needId}"]`).waitFor();
  assert.equal(await officer.locator('#need-total').textContent(), '共计: 1');

  step('officer opens the KPI table, follows a row to its facts and downloads the CSV');
  await go(officer, '#/officer/kpis');
  await officer.getByRole('heading', { name: '目标任务看板' }).waitFor();
  assert.equal(await officer.locator('tr[data-kpi-row]').count(), 19, 'the 19 rows of the annex');
  // The need accepted today (2027) is row 1's one fact this year.
  assert.equal(await officer.locator('tr[data-kpi-row="1"] td').nth(6).textContent(), '1');
  await axe(officer, 'officer KPI table');
  await snap(officer, 'officer-kpis');
  const csvDownload = officer.waitForEvent('download');
  await officer.getByRole('button', { name: '下载 CSV' }).click();
  const kpiCsv = await csvDownload;
  await kpiCsv.saveAs(`${shots}/kpis-2027.csv`);
  const kpiText = readFileSync(`${shots}/kpis-2027.csv`, 'utf8');
  assert.ok(kpiText.startsWith('\ufeffrow,area,name,unit,kind,'), 'the CSV opens with a BOM and its header');
  await officer.locator('tr[data-kpi-row="1"]').getByRole('link').click();
  await officer.getByRole('link', { name: `need/${needId}` }).waitFor();
  await axe(officer, 'officer KPI facts');

  await go(officer, `#/bids/${bidId}`);
  assert.equal(await officer.locator('tbody tr').count(), 3, 'the officer sees the three assessments');
  await go(officer, '#/officer');
  await axe(officer, 'officer calls');
  await snap(officer, 'officer-calls');

  // --- the auditor reads the dossier ---------------------------------------------------------
  step('auditor opens the dossier, picks a past date and verifies the chain');
  const auditor = await persona('auditor-1', 'auditor');
  await go(auditor, '#/audit');
  await axe(auditor, 'auditor projects');
  await auditor.getByRole('link', { name: `项目档案 ${projectId}` }).click();
  await auditor.getByRole('heading', { name: '时间线' }).waitFor();
  assert.ok(await auditor.locator('.timeline li').count() >= 10, 'the timeline spans the call, bid and project');
  await auditor.getByLabel('日期（Asia/Shanghai 23:59:59）').fill('2027-03-08');
  await auditor.getByRole('button', { name: '查看' }).click();
  const past = auditor.locator('#state-as-of pre');
  await past.waitFor();
  const pastText = await past.textContent();
  assert.ok(!pastText.includes('PAY-2027-001'), 'the state as of 2027-03-08 predates the payment');
  await auditor.getByRole('button', { name: '校验哈希链' }).click();
  await auditor.locator('#verdict.good', { hasText: '哈希链完整' }).waitFor();
  const download = auditor.waitForEvent('download');
  await auditor.getByRole('button', { name: '下载审计包' }).click();
  const bundle = await download;
  const path = `${shots}/dossier.jsonl`;
  await bundle.saveAs(path);
  await axe(auditor, 'auditor dossier');
  await snap(auditor, 'auditor-dossier');

  await go(auditor, '#/audit/access-log');
  await auditor.getByRole('cell', { name: 'project_dossier' }).first().waitFor();
  await axe(auditor, 'auditor access log');

  // English switch.
  await go(auditor, `#/audit/projects/${projectId}`);
  await auditor.getByRole('button', { name: 'English' }).click();
  await auditor.getByRole('heading', { name: 'Timeline' }).waitFor();
  assert.equal(await auditor.evaluate(() => document.documentElement.lang), 'en');

  writeFileSync(`${shots}/axe.txt`, violations.join('\n') + '\n');
  assert.deepEqual(violations, [], 'serious or critical accessibility violations');
  step('journey complete');
} finally {
  await browser.close();
  lines.close();
}
