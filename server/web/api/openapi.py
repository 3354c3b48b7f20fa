"""Make the OpenAPI document tell the truth about errors.

Every /api/v1 operation may answer with our error body; documenting those
statuses on all operations keeps schemathesis' conformance checks honest and
tells integrators (the province's one-stop e-system) what to expect.
"""
from __future__ import annotations

from apiflask import APIFlask

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message_vi", "message_en"],
            "properties": {
                "code": {"type": "string", "description": "stable machine-readable code"},
                "message": {"type": "string"},
                "message_vi": {"type": "string"},
                "message_en": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}

ERROR_STATUSES = {
    "400": "Dữ liệu không hợp lệ / invalid input",
    "401": "Cần đăng nhập hoặc mã truy cập / login or token required",
    "403": "Không có quyền / forbidden",
    "404": "Không tìm thấy / not found",
    "409": "Trạng thái không cho phép / refused in the current state",
    "429": "Quá nhiều yêu cầu / rate limited",
    "503": "Tạm thời không phục vụ được, thử lại / temporarily unavailable, retry",
}


def install(app: APIFlask) -> None:
    app.config["VALIDATION_ERROR_SCHEMA"] = ERROR_SCHEMA
    app.config["HTTP_ERROR_SCHEMA"] = ERROR_SCHEMA

    @app.spec_processor
    def add_error_responses(spec: dict) -> dict:
        spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in spec.get("paths", {}).items():
            if not path.startswith("/api/v1"):
                continue
            for method, operation in operations.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(status, {"description": description, "content": ref})
                    # APIFlask's own 400 entry uses its validation schema: ours is the one sent.
                    if status == "400":
                        responses[status]["content"] = ref
        return spec
