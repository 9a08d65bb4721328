"""Custom Rasa NLU graph components for the bilingual ICP filing assistant."""
