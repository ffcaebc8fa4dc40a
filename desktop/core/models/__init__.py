"""Model files: setting up the defaults without network, and reading what a GGUF file is.

Nothing here loads a model into memory; the generation and retrieval packages do that.
"""

from desktop.core.models.defaults import (
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_MODELS,
    ensure_default_models,
    has_gguf_magic,
    minilm_zip_path,
)
from desktop.core.models.facts import (
    ROLE_EMBEDDING,
    ROLE_GENERATION,
    ModelFacts,
    list_models,
    quantization_name,
    read_metadata,
    read_model_facts,
)
from desktop.core.models.minilm_gguf import convert_minilm_zip

__all__ = [
    "DEFAULT_CHAT_MODEL",
    "DEFAULT_EMBEDDING_MODEL",
    "DEFAULT_MODELS",
    "ROLE_EMBEDDING",
    "ROLE_GENERATION",
    "ModelFacts",
    "convert_minilm_zip",
    "ensure_default_models",
    "has_gguf_magic",
    "list_models",
    "minilm_zip_path",
    "quantization_name",
    "read_metadata",
    "read_model_facts",
]
