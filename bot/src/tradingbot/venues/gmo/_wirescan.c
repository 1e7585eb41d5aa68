/*
 * tradingbot.venues.gmo._wirescan: GMO public frames -> validated typed events, in one C pass.
 *
 * The compiled fast path of venues/gmo/decode.py (issue 13). It accepts a frame only when it can prove
 * that the checked path (venues/gmo/checked.py, the authority) would accept it and build the same event;
 * on anything else (whitespace it does not expect, an escape, a key twice, a value out of range, a book
 * side not in GMO's canonical form, an unknown channel, ...) it returns None and the Python paths decide,
 * naming the refusal reason. So it never refuses anything itself, and a frame it does not understand only
 * costs speed. tests/unit/venues/test_gmo_wirescan.py checks that promise differentially, on generated
 * hostile frames, against the checked path.
 *
 * One pass over the frame: the top-level object (keys in any order; other keys' values validated as JSON
 * and skipped), then, per channel, GMO's number grammar ([0-9]+(\.[0-9]+)?) on every number, the ranges,
 * the exact (textual, not floating-point) strict order of each book side and the crossing, the symbol
 * against the subscribed set, the timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff]Z), then the event object.
 *
 * Scanner(symbols, decimal, ticker, trade, orderbook, codec): ``symbols`` any container (``in``),
 * ``decimal`` decimal.Decimal, ``ticker``/``trade`` the msgspec Struct types (positional constructors),
 * ``orderbook`` the OrderBook class (its slots are set as OrderBook.from_validated sets them) and
 * ``codec`` its SideCodec: each book side is handed over as (canonical side bytes, best price Decimal).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <string.h>

#define MAX_DEPTH 32
#define MAX_SKIP_DIGITS 15
#define CEILING_DIGITS 12 /* prices and sizes stay below 1e12: at most 12 integer digits */

typedef struct {
    const char *p;
    Py_ssize_t n;
} Span;

/* A number text in GMO's grammar, normalised for exact comparison: no leading zeros in the integer
 * part, no trailing zeros in the fraction. */
typedef struct {
    const char *ip;
    Py_ssize_t il;
    const char *fp;
    Py_ssize_t fl;
    int dot;
} Num;

static int
parse_num(const char *s, Py_ssize_t n, Num *out)
{
    Py_ssize_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == 0)
        return 0;
    Py_ssize_t il = i;
    const char *fp = s + n;
    Py_ssize_t fl = 0;
    out->dot = 0;
    if (i < n) {
        if (s[i] != '.')
            return 0;
        Py_ssize_t j = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == j || i != n)
            return 0;
        fp = s + j;
        fl = n - j;
        out->dot = 1;
    }
    const char *ip = s;
    while (il > 0 && *ip == '0') {
        ip++;
        il--;
    }
    while (fl > 0 && fp[fl - 1] == '0')
        fl--;
    out->ip = ip;
    out->il = il;
    out->fp = fp;
    out->fl = fl;
    return 1;
}

static inline int
num_positive(const Num *a)
{
    return a->il > 0 || a->fl > 0;
}

static inline int
num_below_ceiling(const Num *a)
{
    return a->il <= CEILING_DIGITS;
}

static int
num_cmp(const Num *a, const Num *b)
{
    if (a->il != b->il)
        return a->il < b->il ? -1 : 1;
    int c = memcmp(a->ip, b->ip, (size_t)a->il);
    if (c)
        return c < 0 ? -1 : 1;
    Py_ssize_t m = a->fl < b->fl ? a->fl : b->fl;
    c = memcmp(a->fp, b->fp, (size_t)m);
    if (c)
        return c < 0 ? -1 : 1;
    /* Trailing zeros are stripped, so the longer fraction has a non-zero digit beyond the shorter. */
    if (a->fl != b->fl)
        return a->fl < b->fl ? -1 : 1;
    return 0;
}

/* ---- JSON scanning: every function returns the position after the token, or NULL to defer. ---- */

static inline const char *
ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A string without escapes, control characters or non-ASCII bytes; p is just after the opening quote. */
static inline const char *
plain_string(const char *p, const char *end, Span *out)
{
    const char *start = p;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            out->p = start;
            out->n = p - start;
            return p + 1;
        }
        if (c < 0x20 || c >= 0x80 || c == '\\')
            return NULL;
        p++;
    }
    return NULL;
}

static const char *
skip_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    const char *digits = p;
    if (p < end && *p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p == digits || p - digits > MAX_SKIP_DIGITS)
        return NULL;
    if (p < end && *p == '.') {
        const char *frac = ++p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == frac || p - frac > MAX_SKIP_DIGITS)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
        return NULL; /* exponents (orjson may refuse huge ones) and leading zeros: not ours to judge */
    return p;
}

static const char *skip_value(const char *p, const char *end, int depth);

static const char *
skip_container(const char *p, const char *end, int depth, char close, int keyed)
{
    Span key;
    p = ws(p, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            if (p >= end || *p != '"' || !(p = plain_string(p + 1, end, &key)))
                return NULL;
            p = ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p = ws(p + 1, end);
        }
        if (!(p = skip_value(p, end, depth + 1)))
            return NULL;
        p = ws(p, end);
        if (p >= end)
            return NULL;
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = ws(p + 1, end);
    }
}

static const char *
skip_value(const char *p, const char *end, int depth)
{
    Span s;
    if (p >= end || depth > MAX_DEPTH)
        return NULL;
    switch (*p) {
    case '"':
        return plain_string(p + 1, end, &s);
    case '{':
        return skip_container(p + 1, end, depth, '}', 1);
    case '[':
        return skip_container(p + 1, end, depth, ']', 0);
    case 't':
        return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return skip_number(p, end);
    }
}

/* ---- book sides ---- */

typedef struct {
    int canonical; /* the side is in the form below and every check passed */
    Span best_text;
    Num best;
} Side;

/* A side in GMO's canonical form [{"price":"P","size":"S"},...], non-empty, P and S in range, prices
 * strictly ascending (asks, sign 1) or descending (bids, sign -1); p is at the '['. Returns the position
 * after the ']' and the best level, or NULL (the caller then validates the value as plain JSON). */
static const char *
side(const char *p, const char *end, int sign, Side *out)
{
    static const char head[] = "{\"price\":\"", mid[] = "\",\"size\":\"";
    Num prev, price, size;
    int first = 1;
    if (p >= end || *p != '[')
        return NULL;
    p++;
    for (;;) {
        if (end - p < 10 || memcmp(p, head, 10) != 0)
            return NULL;
        const char *v = p += 10;
        while (p < end && *p != '"')
            p++;
        if (p >= end || !parse_num(v, p - v, &price) || !num_positive(&price) || !num_below_ceiling(&price))
            return NULL;
        if (first) {
            out->best_text.p = v;
            out->best_text.n = p - v;
            out->best = price;
            first = 0;
        }
        else if (num_cmp(&price, &prev) != sign)
            return NULL;
        prev = price;
        if (end - p < 10 || memcmp(p, mid, 10) != 0)
            return NULL;
        v = p += 10;
        while (p < end && *p != '"')
            p++;
        if (p >= end || !parse_num(v, p - v, &size) || !num_positive(&size) || !num_below_ceiling(&size))
            return NULL;
        if (end - p < 3 || p[1] != '}')
            return NULL;
        p += 2;
        if (*p == ']') {
            out->canonical = 1;
            return p + 1;
        }
        if (*p != ',')
            return NULL;
        p++;
    }
}

/* ---- the frame's top-level object ---- */

enum { K_CHANNEL, K_SYMBOL, K_TIMESTAMP, K_BID, K_ASK, K_LAST, K_VOLUME, K_PRICE, K_SIZE, K_SIDE, K_ASKS, K_BIDS, K_COUNT };

static int
key_id(const Span *k)
{
#define KEY(text, id) \
    if (k->n == (Py_ssize_t)sizeof(text) - 1 && memcmp(k->p, text, sizeof(text) - 1) == 0) \
        return id;
    switch (k->n) {
    case 3:
        KEY("bid", K_BID) KEY("ask", K_ASK) break;
    case 4:
        KEY("last", K_LAST) KEY("size", K_SIZE) KEY("side", K_SIDE) KEY("asks", K_ASKS) KEY("bids", K_BIDS) break;
    case 5:
        KEY("price", K_PRICE) break;
    case 6:
        KEY("symbol", K_SYMBOL) KEY("volume", K_VOLUME) break;
    case 7:
        KEY("channel", K_CHANNEL) break;
    case 9:
        KEY("timestamp", K_TIMESTAMP) break;
    }
#undef KEY
    return -1;
}

/* Fills fields[] (n == -1: absent); string keys hold the string's text, asks/bids the whole array, and
 * sides[0] (asks) and sides[1] (bids) say whether each is canonical, with its best level. */
static int
scan_object(const char *p, const char *end, Span *fields, Side *sides)
{
    Span key, value;
    for (int i = 0; i < K_COUNT; i++)
        fields[i].n = -1;
    sides[0].canonical = sides[1].canonical = 0;
    p = ws(p, end);
    if (p >= end || *p != '{')
        return 0;
    p = ws(p + 1, end);
    for (;;) {
        if (p >= end || *p != '"' || !(p = plain_string(p + 1, end, &key)))
            return 0;
        p = ws(p, end);
        if (p >= end || *p != ':')
            return 0;
        p = ws(p + 1, end);
        int id = key_id(&key);
        if (id < 0) {
            if (!(p = skip_value(p, end, 1)))
                return 0;
        }
        else {
            if (fields[id].n >= 0)
                return 0; /* a key twice: the checked path keeps the last one; let it */
            if (id == K_ASKS || id == K_BIDS) {
                const char *start = p, *q;
                Side *sd = &sides[id == K_BIDS];
                if ((q = side(p, end, id == K_ASKS ? 1 : -1, sd)))
                    p = q;
                else if (p >= end || *p != '[' || !(p = skip_value(p, end, 1)))
                    return 0;
                value.p = start;
                value.n = p - start;
            }
            else if (p >= end || *p != '"' || !(p = plain_string(p + 1, end, &value)))
                return 0;
            fields[id] = value;
        }
        p = ws(p, end);
        if (p >= end)
            return 0;
        if (*p == '}')
            break;
        if (*p != ',')
            return 0;
        p = ws(p + 1, end);
    }
    return ws(p + 1, end) == end;
}

/* ---- values ---- */

typedef struct {
    PyObject_HEAD
    PyObject *symbols, *decimal, *ticker, *trade, *orderbook, *codec;
    PyObject *last_symbol; /* the previous frame's symbol object, reused when the text is the same */
} Scanner;

static PyObject *s_buy, *s_sell, *s_symbol, *s_timestamp, *s_levels, *s_wire, *s_codec;

static inline int
is_digit2(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return 0;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 1;
}

/* YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z only; msgspec (the checked path's parser) accepts these alike. */
static PyObject *
timestamp(const Span *t)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *s = t->p;
    int y1, y2, mo, d, h, mi, se, us = 0;
    if (t->n < 20 || t->n > 27 || s[t->n - 1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || !is_digit2(s, &y1) || !is_digit2(s + 2, &y2) ||
        !is_digit2(s + 5, &mo) || !is_digit2(s + 8, &d) || !is_digit2(s + 11, &h) ||
        !is_digit2(s + 14, &mi) || !is_digit2(s + 17, &se))
        return NULL;
    Py_ssize_t frac = t->n - 20; /* the characters between the seconds and the Z */
    if (frac) {
        if (frac < 2 || s[19] != '.')
            return NULL;
        int scale = 100000;
        for (Py_ssize_t i = 20; i < t->n - 1; i++, scale /= 10) {
            if (s[i] < '0' || s[i] > '9')
                return NULL;
            us += (s[i] - '0') * scale;
        }
    }
    int year = y1 * 100 + y2;
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] + (mo == 2 && leap) || h > 23 ||
        mi > 59 || se > 59)
        return NULL;
    return PyDateTimeAPI->DateTime_FromDateAndTime(year, mo, d, h, mi, se, us, PyDateTime_TimeZone_UTC,
                                                   PyDateTimeAPI->DateTimeType);
}

/* The Decimal of a number text already in the grammar (Decimal(int) is ~3x cheaper than from text). */
static PyObject *
decimal(Scanner *self, const Span *s, const Num *num)
{
    PyObject *arg;
    if (!num->dot && s->n <= 18) {
        long long v = 0;
        for (Py_ssize_t i = 0; i < s->n; i++)
            v = v * 10 + (s->p[i] - '0');
        arg = PyLong_FromLongLong(v);
    }
    else
        arg = PyUnicode_FromStringAndSize(s->p, s->n);
    if (!arg)
        return NULL;
    PyObject *out = PyObject_CallOneArg(self->decimal, arg);
    Py_DECREF(arg);
    return out;
}

/* The symbol object if the symbol is subscribed; NULL with no error to defer, NULL with an error. */
static PyObject *
symbol(Scanner *self, const Span *s)
{
    PyObject *last = self->last_symbol;
    if (last && PyUnicode_GET_LENGTH(last) == s->n && memcmp(PyUnicode_DATA(last), s->p, (size_t)s->n) == 0) {
        Py_INCREF(last);
        return last;
    }
    PyObject *sym = PyUnicode_FromStringAndSize(s->p, s->n);
    if (!sym)
        return NULL;
    int ok = PySequence_Contains(self->symbols, sym);
    if (ok != 1) {
        Py_DECREF(sym);
        return NULL; /* 0: not subscribed (defer); -1: an error is set */
    }
    Py_XSETREF(self->last_symbol, sym);
    Py_INCREF(sym);
    return sym;
}

/* A check that fails defers the frame to the Python paths; a NULL from a call that may also have set a
 * Python error (timestamp, symbol) defers only when no error is set. */
#define NEED(cond) \
    if (!(cond))   \
        goto defer;
#define GOT(expr)                                   \
    if (!(expr)) {                                  \
        if (PyErr_Occurred())                       \
            goto fail;                              \
        goto defer;                                 \
    }

static PyObject *
call_n(PyObject *type, PyObject **args, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (!args[i])
            return NULL;
    return PyObject_Vectorcall(type, args, (size_t)n, NULL);
}

static PyObject *
ticker(Scanner *self, Span *f)
{
    Num bid, ask, last, volume;
    PyObject *a[6] = {NULL};
    PyObject *out = NULL;
    NEED(f[K_SYMBOL].n >= 0 && f[K_TIMESTAMP].n >= 0 && f[K_BID].n >= 0 && f[K_ASK].n >= 0 &&
         f[K_LAST].n >= 0 && f[K_VOLUME].n >= 0);
    NEED(parse_num(f[K_BID].p, f[K_BID].n, &bid) && num_positive(&bid) && num_below_ceiling(&bid));
    NEED(parse_num(f[K_ASK].p, f[K_ASK].n, &ask) && num_positive(&ask) && num_below_ceiling(&ask));
    NEED(parse_num(f[K_LAST].p, f[K_LAST].n, &last) && num_positive(&last) && num_below_ceiling(&last));
    NEED(parse_num(f[K_VOLUME].p, f[K_VOLUME].n, &volume) && num_below_ceiling(&volume));
    NEED(num_cmp(&bid, &ask) <= 0);
    GOT((a[5] = timestamp(&f[K_TIMESTAMP])));
    GOT((a[0] = symbol(self, &f[K_SYMBOL])));
    a[1] = decimal(self, &f[K_BID], &bid);
    a[2] = decimal(self, &f[K_ASK], &ask);
    a[3] = decimal(self, &f[K_LAST], &last);
    a[4] = decimal(self, &f[K_VOLUME], &volume);
    out = call_n(self->ticker, a, 6);
fail:
    for (int i = 0; i < 6; i++)
        Py_XDECREF(a[i]);
    return out;
defer:
    Py_XDECREF(a[5]);
    Py_RETURN_NONE;
}

static PyObject *
trade(Scanner *self, Span *f)
{
    Num price, size;
    PyObject *a[5] = {NULL};
    PyObject *out = NULL;
    NEED(f[K_SYMBOL].n >= 0 && f[K_TIMESTAMP].n >= 0 && f[K_PRICE].n >= 0 && f[K_SIZE].n >= 0 &&
         f[K_SIDE].n >= 0);
    NEED(parse_num(f[K_PRICE].p, f[K_PRICE].n, &price) && num_positive(&price) && num_below_ceiling(&price));
    NEED(parse_num(f[K_SIZE].p, f[K_SIZE].n, &size) && num_positive(&size) && num_below_ceiling(&size));
    PyObject *side;
    if (f[K_SIDE].n == 3 && memcmp(f[K_SIDE].p, "BUY", 3) == 0)
        side = s_buy;
    else if (f[K_SIDE].n == 4 && memcmp(f[K_SIDE].p, "SELL", 4) == 0)
        side = s_sell;
    else
        goto defer;
    GOT((a[4] = timestamp(&f[K_TIMESTAMP])));
    GOT((a[0] = symbol(self, &f[K_SYMBOL])));
    a[1] = decimal(self, &f[K_PRICE], &price);
    a[2] = decimal(self, &f[K_SIZE], &size);
    Py_INCREF(side);
    a[3] = side;
    out = call_n(self->trade, a, 5);
fail:
    for (int i = 0; i < 5; i++)
        Py_XDECREF(a[i]);
    return out;
defer:
    Py_XDECREF(a[4]);
    Py_RETURN_NONE;
}

static PyObject *
side_wire(Scanner *self, const Span *s, const Side *sd)
{
    PyObject *text = PyBytes_FromStringAndSize(s->p, s->n);
    if (!text)
        return NULL;
    PyObject *price = decimal(self, &sd->best_text, &sd->best);
    if (!price) {
        Py_DECREF(text);
        return NULL;
    }
    PyObject *out = PyTuple_Pack(2, text, price);
    Py_DECREF(text);
    Py_DECREF(price);
    return out;
}

static PyObject *
book(Scanner *self, Span *f, Side *sides)
{
    PyObject *stamp = NULL, *sym = NULL, *bids = NULL, *asks = NULL, *wire = NULL, *out = NULL;
    NEED(f[K_SYMBOL].n >= 0 && f[K_TIMESTAMP].n >= 0 && f[K_ASKS].n >= 0 && f[K_BIDS].n >= 0);
    NEED(sides[0].canonical && sides[1].canonical);
    NEED(num_cmp(&sides[1].best, &sides[0].best) < 0);
    GOT((stamp = timestamp(&f[K_TIMESTAMP])));
    GOT((sym = symbol(self, &f[K_SYMBOL])));
    if (!(bids = side_wire(self, &f[K_BIDS], &sides[1])) || !(asks = side_wire(self, &f[K_ASKS], &sides[0])) || !(wire = PyTuple_Pack(2, bids, asks)))
        goto fail;
    PyTypeObject *type = (PyTypeObject *)self->orderbook;
    if (!(out = type->tp_alloc(type, 0)))
        goto fail;
    if (PyObject_GenericSetAttr(out, s_symbol, sym) || PyObject_GenericSetAttr(out, s_timestamp, stamp) ||
        PyObject_GenericSetAttr(out, s_levels, Py_None) || PyObject_GenericSetAttr(out, s_wire, wire) ||
        PyObject_GenericSetAttr(out, s_codec, self->codec))
        Py_CLEAR(out);
fail:
    Py_XDECREF(stamp);
    Py_XDECREF(sym);
    Py_XDECREF(bids);
    Py_XDECREF(asks);
    Py_XDECREF(wire);
    return out;
defer:
    Py_XDECREF(stamp);
    Py_RETURN_NONE;
}

static PyObject *
Scanner_call(Scanner *self, PyObject *args, PyObject *kwargs)
{
    PyObject *frame;
    const char *p;
    Py_ssize_t n;
    Span f[K_COUNT];
    Side sides[2];
    if (!PyArg_UnpackTuple(args, "scan", 1, 1, &frame))
        return NULL;
    if (PyUnicode_CheckExact(frame)) {
        if (!PyUnicode_IS_ASCII(frame))
            Py_RETURN_NONE;
        p = (const char *)PyUnicode_DATA(frame);
        n = PyUnicode_GET_LENGTH(frame);
    }
    else if (PyBytes_CheckExact(frame)) {
        p = PyBytes_AS_STRING(frame);
        n = PyBytes_GET_SIZE(frame);
    }
    else
        Py_RETURN_NONE;
    if (!scan_object(p, p + n, f, sides) || f[K_CHANNEL].n < 0)
        Py_RETURN_NONE;
    const Span *c = &f[K_CHANNEL];
    if (c->n == 10 && memcmp(c->p, "orderbooks", 10) == 0)
        return book(self, f, sides);
    if (c->n == 6 && memcmp(c->p, "trades", 6) == 0)
        return trade(self, f);
    if (c->n == 6 && memcmp(c->p, "ticker", 6) == 0)
        return ticker(self, f);
    Py_RETURN_NONE;
}

static int
Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs)
{
    PyObject *symbols, *dec, *tick, *trd, *ob, *codec;
    if (!PyArg_UnpackTuple(args, "Scanner", 6, 6, &symbols, &dec, &tick, &trd, &ob, &codec))
        return -1;
    if (!PyType_Check(ob)) {
        PyErr_SetString(PyExc_TypeError, "orderbook must be a class");
        return -1;
    }
    Py_XSETREF(self->symbols, Py_NewRef(symbols));
    Py_XSETREF(self->decimal, Py_NewRef(dec));
    Py_XSETREF(self->ticker, Py_NewRef(tick));
    Py_XSETREF(self->trade, Py_NewRef(trd));
    Py_XSETREF(self->orderbook, Py_NewRef(ob));
    Py_XSETREF(self->codec, Py_NewRef(codec));
    Py_CLEAR(self->last_symbol);
    return 0;
}

static int
Scanner_traverse(Scanner *self, visitproc visit, void *arg)
{
    Py_VISIT(self->symbols);
    Py_VISIT(self->decimal);
    Py_VISIT(self->ticker);
    Py_VISIT(self->trade);
    Py_VISIT(self->orderbook);
    Py_VISIT(self->codec);
    return 0;
}

static int
Scanner_clear(Scanner *self)
{
    Py_CLEAR(self->symbols);
    Py_CLEAR(self->decimal);
    Py_CLEAR(self->ticker);
    Py_CLEAR(self->trade);
    Py_CLEAR(self->orderbook);
    Py_CLEAR(self->codec);
    Py_CLEAR(self->last_symbol);
    return 0;
}

static void
Scanner_dealloc(Scanner *self)
{
    PyObject_GC_UnTrack(self);
    Scanner_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "tradingbot.venues.gmo._wirescan.Scanner",
    .tp_doc = "Scanner(symbols, decimal, ticker, trade, orderbook, codec)(frame) -> event or None",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_call = (ternaryfunc)Scanner_call,
    .tp_traverse = (traverseproc)Scanner_traverse,
    .tp_clear = (inquiry)Scanner_clear,
    .tp_dealloc = (destructor)Scanner_dealloc,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "tradingbot.venues.gmo._wirescan",
    .m_doc = "GMO public frames -> validated typed events in one C pass (see venues/gmo/decode.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__wirescan(void)
{
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI || PyType_Ready(&ScannerType) < 0)
        return NULL;
    if (!(s_buy = PyUnicode_InternFromString("BUY")) || !(s_sell = PyUnicode_InternFromString("SELL")) ||
        !(s_symbol = PyUnicode_InternFromString("symbol")) ||
        !(s_timestamp = PyUnicode_InternFromString("timestamp")) ||
        !(s_levels = PyUnicode_InternFromString("_levels")) || !(s_wire = PyUnicode_InternFromString("_wire")) ||
        !(s_codec = PyUnicode_InternFromString("_codec")))
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
