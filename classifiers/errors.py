"""Why the classifier cannot run."""

from __future__ import annotations

from pipeline.errors import PeticionesError


class ModelMissing(PeticionesError):
    code = "model_missing"
    user_message = "No se encontró el modelo de clasificación. Avise al administrador."
