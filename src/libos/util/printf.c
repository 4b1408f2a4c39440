/* A small, bounded vsnprintf for the LibOS: log lines and procfs-style text. */
#include "util/printf.h"
#include "util/string.h"
#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters produced so far, even past `size` */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero, plus, space, alt;
    int width, prec; /* prec < 0: none */
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
    size_t n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
    int pad = sp->width > (int)n ? sp->width - (int)n : 0;
    if (!sp->left)
        put_pad(o, ' ', pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left)
        put_pad(o, ' ', pad);
}

static void put_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
                    const struct spec *sp, const char *prefix)
{
    char digits[24];
    int nd = 0;
    const char *tab = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[nd++] = tab[v % base];
        v /= base;
    } while (v);
    if (sp->prec == 0 && nd == 1 && digits[0] == '0')
        nd = 0;
    char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
    int zeros = sp->prec > nd ? sp->prec - nd : 0;
    int plen = (int)strlen(prefix);
    int total = nd + zeros + (sign ? 1 : 0) + plen;
    int pad = sp->width > total ? sp->width - total : 0;
    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!sp->left)
        put_pad(o, ' ', pad);
    if (sign)
        put(o, sign);
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    put_pad(o, '0', zeros);
    while (nd)
        put(o, digits[--nd]);
    if (sp->left)
        put_pad(o, ' ', pad);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        struct spec sp = {.prec = -1};
        for (;; p++) {
            char f = p[1];
            if (f == '-')
                sp.left = true;
            else if (f == '0')
                sp.zero = true;
            else if (f == '+')
                sp.plus = true;
            else if (f == ' ')
                sp.space = true;
            else if (f == '#')
                sp.alt = true;
            else
                break;
        }
        p++;
        if (*p == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = true;
                sp.width = -sp.width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                sp.width = sp.width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            sp.prec = 0;
            if (*p == '*') {
                sp.prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    sp.prec = sp.prec * 10 + (*p++ - '0');
            }
        }
        int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
        for (;; p++) {
            if (*p == 'h')
                lng = lng == -1 ? -2 : -1;
            else if (*p == 'l')
                lng++;
            else if (*p == 'z' || *p == 't' || *p == 'j')
                lng = 1;
            else
                break;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = lng >= 1 ? va_arg(ap, long) : va_arg(ap, int);
            if (lng == -1)
                v = (short)v;
            else if (lng == -2)
                v = (signed char)v;
            put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, &sp, "");
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = lng >= 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            if (lng == -1)
                v = (unsigned short)v;
            else if (lng == -2)
                v = (unsigned char)v;
            unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
            const char *prefix = "";
            if (sp.alt && v && base == 16)
                prefix = *p == 'X' ? "0X" : "0x";
            else if (sp.alt && base == 8)
                prefix = "0";
            put_num(&o, v, false, base, *p == 'X', &sp, prefix);
            break;
        }
        case 'p': {
            uint64_t v = (uint64_t)va_arg(ap, void *);
            put_num(&o, v, false, 16, false, &sp, "0x");
            break;
        }
        case 'c': {
            char c[2] = {(char)va_arg(ap, int), 0};
            sp.prec = 1;
            put_str(&o, c, &sp);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            put_str(&o, s ? s : "(null)", &sp);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
