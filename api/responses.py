"""Responses for models the graph layer already built and validated."""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


class ModelResponse(Response):
    """A pydantic model serialised once, in pydantic's Rust core.

    Returned as is, the route's ``response_model`` would dump the model to Python objects,
    validate those again and encode them, several times the cost for a large network. The
    model is the route's response model, so the OpenAPI schema still
    describes what is sent.
    """

    media_type = "application/json"

    def __init__(self, model: BaseModel) -> None:
        super().__init__(model.model_dump_json().encode())
