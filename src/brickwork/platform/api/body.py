"""Strict JSON request bodies: size-limited, UTF-8, no duplicate keys, Decimals, pointer errors.

FastAPI's own body parsing accepts duplicate keys and reads fractions as floats, so endpoints that
take JSON declare ``json_body(Model)`` instead; its OpenAPI request schema is still published.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from brickwork import jsonio
from brickwork.platform.api.errors import pydantic_items
from brickwork.platform.errors import BadRequest, ErrorItem, Invalid, UnsupportedMediaType

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_json(request: Request) -> Any:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"send the body as application/json (got {media_type!r})",
            code="unsupported_media_type",
            zh_cn=f"请以 application/json 格式发送请求正文（收到的是 {media_type}）",
        )
    raw = await request.body()
    if not raw.strip():
        raise BadRequest(
            "the request needs a JSON body", code="body_missing", zh_cn="请求缺少 JSON 正文"
        )
    try:
        return jsonio.loads(raw)
    except jsonio.JsonError as exc:
        raise BadRequest(
            exc.message,
            code=exc.code,
            errors=[ErrorItem(exc.pointer, exc.code, exc.message)],
            zh_cn=_json_error_zh(exc),
        ) from exc


def _json_error_zh(exc: jsonio.JsonError) -> str:
    """``exc.message`` in Chinese, by its code."""
    texts = {
        "json_not_utf8": "请求正文不是 UTF-8 文本",
        "json_malformed": f"JSON 格式错误（第 {exc.line} 行第 {exc.column} 列）",
        "json_duplicate_key": "同一对象中有重复的键",
        "json_number_too_long": f"数字过长：不用指数写法时最多 {jsonio.MAX_NUMBER_LENGTH} 个字符",
        "json_too_deep": f"数组和对象最多嵌套 {jsonio.MAX_DEPTH} 层",
        "json_invalid_number": "NaN、Infinity 不是有效的 JSON 数字",
        "json_nul_character": "文本不能包含 NUL 字符（\\u0000）：请删除",
        "json_lone_surrogate": "文本不能包含不成对的代理项（\\ud800-\\udfff）：它不是字符，"
        "无法以 UTF-8 保存",
    }
    return texts.get(exc.code, "请求正文不是有效的 JSON")


def parse_model(model: type[ModelT], document: Any) -> ModelT:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise Invalid(
            "the request body is invalid; nothing was saved",
            errors=pydantic_items(list(exc.errors())),
            zh_cn="提交的数据有误：未保存任何内容",
        ) from exc


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    async def dependency(request: Request) -> ModelT:
        return parse_model(model, await read_json(request))

    dependency.__name__ = f"json_body_{model.__name__}"
    return dependency


def optional_json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """Like ``json_body`` but an empty body means the model's defaults."""

    async def dependency(request: Request) -> ModelT:
        if not (await request.body()).strip():
            return model()
        return parse_model(model, await read_json(request))

    dependency.__name__ = f"optional_json_body_{model.__name__}"
    return dependency


async def raw_body(request: Request) -> bytes:
    """The body as bytes (size already limited by the middleware)."""
    return await request.body()


async def json_document(request: Request) -> Any:
    """Any JSON document (validated later by the service against its own schema)."""
    return await read_json(request)


def openapi_body(
    model: type[BaseModel] | None = None,
    *,
    schema: dict[str, Any] | None = None,
    required: bool = True,
) -> dict[str, Any]:
    """``openapi_extra`` that documents a body read by ``json_body``."""
    if schema is not None:
        body_schema = schema
    else:
        assert model is not None
        body_schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": body_schema}},
        }
    }
