"""Text session files as people keep them: UTF-8 with or without a byte order mark, UTF-16, classic Mac line ends.

Pro Tools on Windows, Excel's "Unicode Text" and editors' "Unicode" option save text as UTF-16, usually
with a byte order mark (FF FE little-endian, FE FF big-endian); a file without one is known by
its first characters, which each format fixes ("SESSION NAME:", "<REAPER_PROJECT").
"""
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def utf16_text(data: bytes, begins: bytes) -> str | None:
    """`data` decoded when it is UTF-16 text (it has a UTF-16 byte order mark, or starts with the ASCII `begins`
    written in UTF-16), without the mark; None when it is not UTF-16. Broken characters become U+FFFD."""
    for bom, encoding in UTF16_BOMS.items():
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
        if data.startswith(begins.decode("ascii").encode(encoding)):
            return data.decode(encoding, errors="replace")
    return None


def utf8_lines(data: bytes, begins: bytes) -> bytes:
    """Text bytes as UTF-8 with \\n line ends: UTF-16 re-encoded, a byte order mark dropped, and the \\r of a file
    saved with classic Mac line ends made \\n (\\r\\n stays: both readers take it as one line end)."""
    text = utf16_text(data, begins)
    data = text.encode("utf-8") if text is not None else data.removeprefix(UTF8_BOM)
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")
    return data
