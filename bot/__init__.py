"""LLM guide bot: answers questions about LLMs from a cited YAML knowledge base."""
