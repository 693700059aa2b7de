"""Payment providers, chosen by the `type` key of the `[payment]` config section."""
