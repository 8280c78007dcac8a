"""Question answering: normalisation, entities, intents, context and answers (no discord)."""
