import type { BotProduct } from "@rampart/catalogue";

/**
 * Bot protection in the shape the zone's plan accepts (Cloudflare's bot_management API takes a different
 * configuration per plan): Bot Fight Mode on Free, Super Bot Fight Mode on paid plans. Fields are the
 * provider's `cloudflare.BotManagement` args; action values are the API's snake_case names (the SDK's doc
 * comments show them camel-cased, which the API does not accept).
 *
 * Bot Fight Mode on Free cannot be skipped by any rule, so HMAC device clients may be challenged there;
 * paid plans skip Super Bot Fight Mode for the device API (see rules.ts).
 */
interface BotSettings {
  readonly fightMode: boolean;
  readonly enableJs: boolean;
  readonly sbfmDefinitelyAutomated?: "block" | "managed_challenge";
  readonly sbfmLikelyAutomated?: "allow" | "managed_challenge";
  readonly sbfmVerifiedBots?: "allow";
  readonly sbfmStaticResourceProtection?: boolean;
  readonly optimizeWordpress?: boolean;
}

export function botSettingsFor(product: BotProduct): BotSettings {
  switch (product) {
    case "bot-fight-mode":
      return { fightMode: true, enableJs: true };
    case "super-bot-fight-mode-pro":
      // Pro's SBFM has no "likely automated" tier; Cloudflare wants fight_mode off once SBFM is in use.
      return {
        fightMode: false,
        enableJs: true,
        sbfmDefinitelyAutomated: "block",
        sbfmVerifiedBots: "allow",
        sbfmStaticResourceProtection: false,
        optimizeWordpress: false,
      };
    case "super-bot-fight-mode-business":
      return {
        fightMode: false,
        enableJs: true,
        sbfmDefinitelyAutomated: "block",
        sbfmLikelyAutomated: "managed_challenge",
        sbfmVerifiedBots: "allow",
        sbfmStaticResourceProtection: false,
        optimizeWordpress: false,
      };
  }
}
