"""The headroom-go compression core, exposed as ``headroom._core``.

The names and keyword arguments follow the reference Headroom's native
module of the same name, so code written against it keeps working::

    from headroom._core import SmartCrusher, SmartCrusherConfig

    crusher = SmartCrusher(SmartCrusherConfig(max_items_after_crush=10))
    result = crusher.crush(tool_output, query="failed payments")
    result.compressed          # or result["compressed"]

Results are dicts (a ``dict`` subclass per result type) whose keys can also be
read as attributes. Config classes take keyword arguments only; omitted ones
keep the core's defaults, and every value is validated when the config is
built.

Bad arguments raise ``TypeError`` (wrong type, unknown keyword) or
``ValueError`` (unusable value); a failure inside the core raises
:class:`CoreError`. Nothing here can crash the interpreter on bad input: the
Go side recovers its own panics and reports them as ``CoreError``.

Originals behind CCR retrieval markers are kept in one in-memory store per
process (1000 entries, 30 minutes since last use); :func:`ccr_get` reads it.

Calls release the GIL and may run from many threads at once. The Go runtime
does not survive ``fork()``: after using this module, start worker processes
with the ``spawn`` or ``forkserver`` method rather than ``fork``.
"""

import ctypes
import json
import os
import sys

__all__ = [
    "ABI_VERSION",
    "LIBRARY_PATH",
    "CoreError",
    "hello",
    "version",
    "detect_content_type",
    "DetectionResult",
    "count_tokens",
    "ccr_get",
    "ccr_len",
    "compress",
    "CompressResult",
    "SmartCrusherConfig",
    "SmartCrusher",
    "CrushResult",
    "DiffCompressorConfig",
    "DiffCompressor",
    "DiffCompressionResult",
    "LogCompressorConfig",
    "LogCompressor",
    "LogCompressionResult",
    "SearchCompressorConfig",
    "SearchCompressor",
    "SearchCompressionResult",
    "TextCrusherConfig",
    "TextCrusher",
    "TextCrusherResult",
]

#: The calling convention this module speaks; the library must report the same.
ABI_VERSION = 1


class CoreError(RuntimeError):
    """The core failed for a reason other than the arguments (a bug in a
    transform, or the CCR store refusing an original)."""


def _library_name():
    if sys.platform == "darwin":
        return "libheadroom.dylib"
    if sys.platform in ("win32", "cygwin"):
        return "headroom.dll"
    return "libheadroom.so"


def _load():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), _library_name())
    if not os.path.exists(path):
        raise ImportError(
            "headroom._core: the native library is missing (looked for %s); "
            "install the headroom-go wheel built by bindings/python/build_wheel.sh" % path
        )
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise ImportError("headroom._core: cannot load %s: %s" % (path, exc)) from exc
    lib.headroom_abi_version.argtypes = []
    lib.headroom_abi_version.restype = ctypes.c_int
    lib.headroom_call.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_size_t),
    ]
    lib.headroom_call.restype = ctypes.c_int
    lib.headroom_free.argtypes = [ctypes.c_void_p]
    lib.headroom_free.restype = None
    abi = lib.headroom_abi_version()
    if abi != ABI_VERSION:
        raise ImportError(
            "headroom._core: %s speaks ABI %d, this module expects %d; "
            "reinstall the wheel so the two match" % (path, abi, ABI_VERSION)
        )
    return lib, path


_lib, LIBRARY_PATH = _load()

# Status codes of headroom_call other than 0 (success).
_ERRORS = {1: ValueError, 2: TypeError, 3: CoreError}


def _call(method, args):
    """Run one core method; args is a dict of JSON-serialisable values."""
    try:
        payload = json.dumps(args, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        data = payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        # A str holding a lone surrogate has no UTF-8 form; passing it on
        # would mean replacing characters the caller gave us.
        raise ValueError(
            "%s: text is not valid Unicode: it contains the lone surrogate %r"
            % (method, exc.object[exc.start : exc.end])
        ) from None
    except ValueError as exc:
        raise ValueError("%s: %s" % (method, exc)) from None
    name = method.encode("ascii")
    out = ctypes.c_void_p()
    out_len = ctypes.c_size_t()
    status = _lib.headroom_call(name, len(name), data, len(data), ctypes.byref(out), ctypes.byref(out_len))
    if status < 0:
        raise CoreError("%s: the core rejected the call (status %d)" % (method, status))
    try:
        raw = ctypes.string_at(out.value, out_len.value) if out_len.value else b""
    finally:
        if out.value:
            _lib.headroom_free(out)
    text = raw.decode("utf-8")
    if status == 0:
        return json.loads(text)
    raise _ERRORS.get(status, CoreError)(text)


def _need_str(name, value):
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (name, type(value).__name__))
    return value


def _need_number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
    return value


class _Record(dict):
    """A result: a plain dict whose keys can also be read as attributes."""

    __slots__ = ()

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError("%s has no field %r" % (type(self).__name__, name)) from None

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, dict.__repr__(self))


class CrushResult(_Record):
    """SmartCrusher.crush result: compressed, original, was_modified, strategy."""

    __slots__ = ()


class DiffCompressionResult(_Record):
    """DiffCompressor.compress result: compressed, original_line_count,
    compressed_line_count, files_affected, additions, deletions, hunks_kept,
    hunks_removed and cache_key (None when no marker was emitted)."""

    __slots__ = ()

    def compression_ratio(self):
        """Kept lines over input lines; 1.0 for empty input."""
        if self["original_line_count"] == 0:
            return 1.0
        return self["compressed_line_count"] / self["original_line_count"]

    def tokens_saved_estimate(self):
        """Rough tokens saved: 10 per dropped line (40 characters, 4 per token)."""
        dropped = max(self["original_line_count"] - self["compressed_line_count"], 0)
        return dropped * 10


class LogCompressionResult(_Record):
    """LogCompressor.compress result: compressed, original,
    original_line_count, compressed_line_count, format_detected,
    compression_ratio, cache_key and stats (level counts; empty when the log
    was too short to analyse)."""

    __slots__ = ()


class SearchCompressionResult(_Record):
    """SearchCompressor.compress result: compressed, original,
    original_match_count, compressed_match_count, files_affected,
    lines_unparsed, compression_ratio, cache_key and summaries (file -> note
    about its dropped matches)."""

    __slots__ = ()


class TextCrusherResult(_Record):
    """TextCrusher.compress result: compressed, original_tokens,
    compressed_tokens, compression_ratio, kept_segments, total_segments."""

    __slots__ = ()


class DetectionResult(_Record):
    """detect_content_type result: content_type (a tag such as
    "json_array"), confidence in [0, 1] and metadata (the evidence counted)."""

    __slots__ = ()


class _Config(object):
    """Base of the config classes: keyword arguments validated by the core,
    exposed read-only as attributes with every default filled in."""

    _transform = ""

    def __init__(self, **kwargs):
        values = _call(self._transform + ".config", {"config": kwargs})
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        try:
            return values[name]
        except KeyError:
            raise AttributeError("%s has no field %r" % (type(self).__name__, name)) from None

    def __setattr__(self, name, value):
        raise AttributeError("%s is read-only; build a new one" % type(self).__name__)

    def to_dict(self):
        """Every field with its effective value."""
        return dict(self._values)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._values == other._values

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __repr__(self):
        fields = ", ".join("%s=%r" % kv for kv in self._values.items())
        return "%s(%s)" % (type(self).__name__, fields)


def _config_values(cls, config):
    if config is None:
        return {}
    if not isinstance(config, cls):
        raise TypeError("config must be %s or None, not %s" % (cls.__name__, type(config).__name__))
    return config._values


class SmartCrusherConfig(_Config):
    """SmartCrusher settings (min_items_to_analyze, max_items_after_crush,
    relevance_threshold, enable_ccr_marker, lossless_only, …). enabled,
    uniqueness_threshold, similarity_threshold, include_summaries,
    use_feedback_hints and toin_confidence_threshold are accepted for
    compatibility and have no effect, as in the reference."""

    _transform = "smart_crusher"


class SmartCrusher(object):
    """Compresses JSON tool output: arrays keep the rows that matter (errors,
    anomalies, query matches, a sample) and dropped rows stay retrievable
    through a CCR marker.

    ``SmartCrusher(config)`` first tries the lossless "csv-schema" table
    compaction on arrays of objects; see :meth:`without_compaction` and
    :meth:`with_compaction_format` for the other stages.
    """

    def __init__(self, config=None):
        self._setup(config, "csv-schema")

    def _setup(self, config, compaction):
        values = _config_values(SmartCrusherConfig, config)
        _need_str("format_name", compaction)
        _call("smart_crusher.config", {"config": values, "compaction": compaction})
        self._values = values
        self._compaction = compaction

    @classmethod
    def without_compaction(cls, config=None):
        """A crusher with no lossless stage: arrays go straight to row
        selection (how the reference's parity fixtures were recorded)."""
        crusher = cls.__new__(cls)
        crusher._setup(config, "off")
        return crusher

    @classmethod
    def with_compaction_format(cls, config=None, format_name="csv-schema"):
        """A crusher whose lossless stage renders tables as "csv-schema",
        "json" or "markdown-kv"; any other name raises ValueError."""
        crusher = cls.__new__(cls)
        crusher._setup(config, format_name)
        return crusher

    def crush(self, content, query="", bias=1.0):
        """Compress content (any text; non-JSON passes through unchanged).
        query steers which rows are kept; bias scales how many (1 neutral,
        more keeps more, must be >= 0)."""
        args = {
            "config": self._values,
            "compaction": self._compaction,
            "content": _need_str("content", content),
            "query": _need_str("query", query),
            "bias": _need_number("bias", bias),
        }
        return CrushResult(_call("smart_crusher.crush", args))

    def smart_crush_content(self, content, query="", bias=1.0):
        """crush() as a (compressed, was_modified, strategy) tuple."""
        r = self.crush(content, query, bias)
        return r["compressed"], r["was_modified"], r["strategy"]

    def ccr_get(self, hash):
        """The original behind a marker's hash, or None if unknown or expired."""
        return ccr_get(hash)

    def ccr_len(self):
        """Number of originals held by the process-wide CCR store."""
        return ccr_len()


class DiffCompressorConfig(_Config):
    """DiffCompressor settings (max_context_lines, max_hunks_per_file,
    max_files, enable_ccr, min_lines_for_ccr, min_compression_ratio_for_ccr).
    always_keep_additions and always_keep_deletions are accepted for
    compatibility and have no effect, as in the reference."""

    _transform = "diff_compressor"


class DiffCompressor(object):
    """Shrinks unified diffs: keeps every changed line, trims context, caps
    hunks and files, and adds a retrieval marker when much was dropped."""

    def __init__(self, config=None):
        self._values = _config_values(DiffCompressorConfig, config)

    def compress(self, content, context=""):
        """Compress a diff; context is the user's task, used to rank hunks."""
        args = {
            "config": self._values,
            "content": _need_str("content", content),
            "context": _need_str("context", context),
        }
        return DiffCompressionResult(_call("diff_compressor.compress", args))


class LogCompressorConfig(_Config):
    """LogCompressor settings (max_errors, error_context_lines,
    max_stack_traces, max_warnings, max_total_lines, enable_ccr, …)."""

    _transform = "log_compressor"


class LogCompressor(object):
    """Shrinks build, test and service logs to their errors, failures,
    warnings, stack traces and summaries."""

    def __init__(self, config=None):
        self._values = _config_values(LogCompressorConfig, config)

    def compress(self, content, bias=1.0):
        """Compress a log; bias scales how many lines are kept (>= 0)."""
        args = {
            "config": self._values,
            "content": _need_str("content", content),
            "bias": _need_number("bias", bias),
        }
        return LogCompressionResult(_call("log_compressor.compress", args))


class SearchCompressorConfig(_Config):
    """SearchCompressor settings (max_matches_per_file, max_total_matches,
    max_files, context_keywords, boost_errors, enable_ccr, group_by_file, …)."""

    _transform = "search_compressor"


class SearchCompressor(object):
    """Shrinks grep/ripgrep output: groups matches by file and keeps the
    best-scoring ones, noting how many were left out."""

    def __init__(self, config=None):
        self._values = _config_values(SearchCompressorConfig, config)

    def compress(self, content, context="", bias=1.0):
        """Compress search results; context is the user's query."""
        args = {
            "config": self._values,
            "content": _need_str("content", content),
            "context": _need_str("context", context),
            "bias": _need_number("bias", bias),
        }
        return SearchCompressionResult(_call("search_compressor.compress", args))


class TextCrusherConfig(_Config):
    """TextCrusher settings (target_ratio, w_recency, w_relevance, w_salience,
    min_segment_chars, near_dup_threshold, min_segments_for_crush)."""

    _transform = "text_crusher"


class TextCrusher(object):
    """Shortens prose extractively, keeping the most informative sentences
    verbatim and in order."""

    def __init__(self, config=None):
        self._values = _config_values(TextCrusherConfig, config)

    def compress(self, content, context="", target_ratio=None):
        """Compress prose; target_ratio (None: the config's) is the share of
        the text to keep, clamped to [0.05, 1]."""
        args = {
            "config": self._values,
            "content": _need_str("content", content),
            "context": _need_str("context", context),
        }
        if target_ratio is not None:
            args["target_ratio"] = _need_number("target_ratio", target_ratio)
        return TextCrusherResult(_call("text_crusher.compress", args))


class CompressResult(_Record):
    """compress result: text (what to send), content_type, outcome
    ("compressed", "unchanged", "not_smaller" or "failed"), steps, markers,
    passed (steps that did not apply, with reasons), tokens_before,
    tokens_after, tokens_saved, bytes_before, bytes_after, duration_seconds,
    and error when the outcome is "failed"."""

    __slots__ = ()


def compress(content, query="", bias=0.0, model="", compress_search=False):
    """Compress one tool output with the full pipeline: detect its type, run
    the steps for it, and keep the result only if it has fewer tokens for
    model ("" = the core's default model). Offloaded originals go to the
    process-wide CCR store, so every marker resolves through ccr_get.

    A failing step does not raise: the result then carries the input
    unchanged, outcome "failed" and the error text."""
    if not isinstance(compress_search, bool):
        raise TypeError("compress_search must be bool, not %s" % type(compress_search).__name__)
    args = {
        "content": _need_str("content", content),
        "query": _need_str("query", query),
        "bias": _need_number("bias", bias),
        "model": _need_str("model", model),
        "compress_search": compress_search,
    }
    return CompressResult(_call("compress", args))


def hello():
    """Return "headroom-core": proof that the native core is loaded."""
    return _call("hello", {})


def version():
    """The release version of the Go core."""
    return _call("version", {})["version"]


def detect_content_type(content):
    """Classify a tool output (json_array, diff, html, search, build, code or
    text) the way the reference's detector does."""
    return DetectionResult(_call("detect_content_type", {"content": _need_str("content", content)}))


def count_tokens(text, model):
    """Tokens in text for model: exact BPE counts for OpenAI models, a
    characters-per-token estimate for the others (Claude: 3.5, else 4)."""
    return _call("count_tokens", {"text": _need_str("text", text), "model": _need_str("model", model)})


def ccr_get(hash):
    """The original stored behind a CCR marker's hash, or None when it is
    unknown or has expired."""
    return _call("ccr_get", {"hash": _need_str("hash", hash)})


def ccr_len():
    """Number of originals the process-wide CCR store holds."""
    return _call("ccr_len", {})
