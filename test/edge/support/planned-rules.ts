/**
 * The edge planner as tests use it: a valid input for example.com to vary, the rules of an input meant to
 * plan, and the problems of one meant to be refused.
 */
import { type EdgeRules, type EdgeRulesInput, type EdgeRulesProblem, planEdgeRules } from "../../../components/edge";

/** A valid planner input (free plan, example.com); overrides replace whole fields. */
export function rulesInput(overrides: Partial<EdgeRulesInput> = {}): EdgeRulesInput {
  return {
    plan: "free",
    hostnames: { app: "app.example.com", livekit: "livekit.example.com", turn: "turn.example.com", media: "media.example.com" },
    allowedOrigins: ["https://app.example.com"],
    ...overrides,
  };
}

/** The rules of an input the test means to plan; a refusal fails the test with every problem. */
export function planned(input: EdgeRulesInput): EdgeRules {
  const plan = planEdgeRules(input);
  if (!plan.ok) throw new Error(`expected the input to plan:\n${refusal(input)}`);
  return plan.rules;
}

/** The problems of an input (none when it plans). */
export function problemsOf(input: EdgeRulesInput): readonly EdgeRulesProblem[] {
  const plan = planEdgeRules(input);
  return plan.ok ? [] : plan.problems;
}

/** Every problem's message, one a line, for matching against the text an operator would read. */
export function refusal(input: EdgeRulesInput): string {
  return problemsOf(input)
    .map((p) => p.message)
    .join("\n");
}
