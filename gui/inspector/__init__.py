"""The traffic inspector: the request and response as they went over the wire."""
