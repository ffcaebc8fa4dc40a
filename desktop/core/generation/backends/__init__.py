"""Model backends: the embedded llama.cpp model (default) and an OpenAI-compatible server."""

from desktop.core.generation.backends.base import (
    MODE_CHAT,
    MODE_COMPLETION,
    Backend,
    BudgetReport,
    ChatMessage,
    GenerationParams,
    ModelInfo,
    Prompt,
    RunInfo,
)

__all__ = [
    "MODE_CHAT",
    "MODE_COMPLETION",
    "Backend",
    "BudgetReport",
    "ChatMessage",
    "GenerationParams",
    "ModelInfo",
    "Prompt",
    "RunInfo",
]
