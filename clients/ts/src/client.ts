// A small typed client for the grantledger API. `schema.d.ts` is generated from
// api-spec/openapi.yaml by openapi-typescript (api-spec/tools/check-contract.sh), so a change to the
// contract that breaks these calls fails the type check.
import type { components, operations } from "./schema";

export type Challenge = components["schemas"]["Challenge"];
export type ChallengePage = components["schemas"]["ChallengePage"];
export type BidSubmission = components["schemas"]["BidSubmission"];
export type Bid = components["schemas"]["Bid"];
export type Problem = components["schemas"]["Problem"];
export type ChallengeStatus = NonNullable<
  NonNullable<operations["list_challenges"]["parameters"]["query"]>["status"]
>;

/** A refused request: the API's `application/problem+json` body, with its stable `code`. */
export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "ProblemError";
    this.problem = problem;
  }
}

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  /** A bearer token from `grantledger token`. */
  token: string;
  fetch?: typeof fetch;
}

export class GrantLedgerClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `GET /v1/challenges`: one page of calls, oldest first. */
  async listChallenges(
    query: operations["list_challenges"]["parameters"]["query"] = {},
  ): Promise<ChallengePage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const suffix = params.size > 0 ? `?${params.toString()}` : "";
    const res = await this.request("GET", `/v1/challenges${suffix}`);
    const page: operations["list_challenges"]["responses"]["200"]["content"]["application/json"] =
      await res.json();
    return page;
  }

  /** `POST /v1/challenges/{id}/bids`: 揭榜, the lead being the token's organisation. */
  async submitBid(
    challengeId: string,
    bid: BidSubmission,
    idempotencyKey?: string,
  ): Promise<{ bid: Bid; etag: string | null }> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
    const res = await this.request(
      "POST",
      `/v1/challenges/${encodeURIComponent(challengeId)}/bids`,
      JSON.stringify(bid),
      headers,
    );
    const created: operations["submit_bid"]["responses"]["201"]["content"]["application/json"] =
      await res.json();
    return { bid: created, etag: res.headers.get("ETag") };
  }

  private async request(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: { Accept: "application/json", Authorization: `Bearer ${this.token}`, ...headers },
    };
    if (body !== undefined) init.body = body;
    const res = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    if (!res.ok) throw new ProblemError(await readProblem(res));
    return res;
  }
}

/** Reads a problem+json body; a body that is not one still yields a Problem naming the status. */
export async function readProblem(res: Response): Promise<Problem> {
  const type = res.headers.get("Content-Type") ?? "";
  if (type.startsWith("application/problem+json")) {
    const problem: operations["submit_bid"]["responses"]["422"]["content"]["application/problem+json"] =
      await res.json();
    return problem;
  }
  return {
    type: "about:blank",
    title: res.statusText,
    status: res.status,
    detail: await res.text(),
    code: "unexpected_response",
  };
}

/** Example: a draft bid that exactly splits its request between two milestones. */
export function exampleBid(leadName: string): BidSubmission {
  return {
    lead_name: leadName,
    title: "90nm 光刻胶国产化",
    team_lead: "张三",
    technical_plan: "树脂合成 + 光酸体系",
    requested_fen: 200000000,
    milestones: [
      { title: "小试", due: "2027-12-31", tranche_fen: 120000000 },
      { title: "中试", due: "2028-12-31", tranche_fen: 80000000 },
    ],
  };
}

export function isRefusal(error: unknown, code: string): boolean {
  return error instanceof ProblemError && error.problem.code === code;
}
