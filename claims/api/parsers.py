"""Request body parsers: DRF's, refusing what they would otherwise crash on."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MESSAGE_TOO_DEEP = (
    "JSON parse error - the body is nested too deeply to read. The API takes flat objects of "
    "fields; see /api/schema/."
)


class LedgerJSONParser(JSONParser):
    """DRF's JSON parser; a body nested thousands of levels deep (`[[[[…`) is a 400, not a 500.

    Python's json module raises RecursionError on such input, which DRF does not catch.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(MESSAGE_TOO_DEEP) from error
