"""The Poe side: the bot-protocol and OpenAI-compatible transports, retries,
the rate limiter and uploads.  Imports only the core."""
