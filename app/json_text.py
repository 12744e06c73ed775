"""JSON written fast: orjson, and the standard library for what orjson refuses (integers beyond 64 bits)."""
import json

import orjson


def json_bytes(value, sort_keys: bool = False) -> bytes:
    """`value` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":")).encode()
