"""A language-model Model (``llm-chat``): each Round it asks an OpenAI-compatible chat model for its
Moves, remembers through its own decisions and what became of them, and books every call's tokens as
a running cost.

Rooms: ``answer`` (the strict JSON schema of an answer and its validation), ``memory`` (the Model's
decisions, BM25 retrieval and the memory policies), ``prompt`` (what a Round's message holds, and
masking), ``client`` (the chat client: timeouts, retries, the content-addressed cache), ``pricing``
(tokens to money), ``model`` (the Model itself) and ``server`` (a local OpenAI-compatible stand-in
for the tests, the demo and the experiments; it is not a language model).
"""
