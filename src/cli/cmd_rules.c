/* cmd_rules.c - exoaudit rules list|validate|test */
#include "cli/common.h"
#include "rules/alert.h"
#include "core/arena.h"
#include "core/xtime.h"
#include "norm/norm.h"
#include "parse/json.h"
#include "rules/engine.h"
#include "rules/rule.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void xa_help_rules(FILE *out)
{
    fprintf(out,
            "usage: exoaudit rules list [--rules PATH]... [--no-builtin] [--format table|json]\n"
            "       exoaudit rules validate [--no-builtin] [PATH...]\n"
            "       exoaudit rules test [--rules PATH]... [--no-builtin] DIR\n"
            "       exoaudit rules test [--rules PATH]... [--no-builtin] --records FILE.jsonl\n\n"
            "Detection rules are Sigma YAML (docs/RULES.md): the built-in pack embedded in the\n"
            "binary, files or folders from the configuration (rules.paths) and --rules.\n"
            "  list      every loaded rule: id, level, kind, title, author\n"
            "  validate  load each PATH (file or folder) and report errors and warnings\n"
            "            (fields no record has, Sigma filters, skipped statuses)\n"
            "  test DIR  golden tests: DIR/<rule id>/pos*.jsonl must make that rule match,\n"
            "            neg*.jsonl must not (each file is run on a fresh engine)\n"
            "  test --records FILE  print every match of the loaded rules on these records\n");
}

struct opts {
    const char *extra[64];
    size_t nextra;
    bool builtin;
    enum xa_out_format fmt;
    const char *records;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->builtin = true;
    static const struct option lo[] = {{"rules", required_argument, NULL, 'r'},
                                       {"no-builtin", no_argument, NULL, 'n'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"records", required_argument, NULL, 'R'},
                                       {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (o->nextra < 64)
                o->extra[o->nextra++] = optarg;
            break;
        case 'n': o->builtin = false; break;
        case 'f':
            if (xa_cli_parse_format(optarg, &o->fmt)) {
                fprintf(stderr, "exoaudit rules: --format: table or json\n");
                return XA_EXIT_USAGE;
            }
            break;
        case 'R': o->records = optarg; break;
        default: xa_help_rules(stderr); return XA_EXIT_USAGE;
        }
    }
    return 0;
}

static int cmd_list(struct xa_cli *cli, struct opts *o)
{
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_cli_rules rc;
    int ec = xa_cli_rules_setup(cli, &rs, &rc, o->builtin, o->extra, o->nextra);
    for (size_t i = 0; !ec && i < rs.n; i++) {
        const struct xa_rule *r = rs.rules[i];
        const char *kind = r->kind == XA_RULE_CORRELATION ? "correlation" : "detection";
        if (o->fmt == XA_OUT_JSON) {
            struct xa_buf b;
            xa_buf_init(&b, 0);
            xa_buf_puts(&b, "{\"id\":");
            xa_buf_json_str(&b, r->id, (size_t)-1);
            xa_buf_puts(&b, ",\"name\":");
            xa_buf_json_str(&b, r->name, (size_t)-1);
            xa_buf_puts(&b, ",\"title\":");
            xa_buf_json_str(&b, r->title, (size_t)-1);
            xa_buf_printf(&b, ",\"kind\":\"%s\",\"level\":\"%s\",\"alerts\":%s,\"author\":", kind,
                          r->level, r->generate ? "true" : "false");
            xa_buf_json_str(&b, r->author, (size_t)-1);
            xa_buf_puts(&b, ",\"license\":");
            xa_buf_json_str(&b, r->license, (size_t)-1);
            xa_buf_puts(&b, ",\"origin\":");
            xa_buf_json_str(&b, r->origin, (size_t)-1);
            xa_buf_puts(&b, ",\"tags\":[");
            for (size_t t = 0; t < r->ntags; t++) {
                if (t)
                    xa_buf_putc(&b, ',');
                xa_buf_json_str(&b, r->tags[t], (size_t)-1);
            }
            xa_buf_puts(&b, "],\"unmapped_fields\":[");
            for (size_t t = 0; t < r->nunmapped; t++) {
                if (t)
                    xa_buf_putc(&b, ',');
                xa_buf_json_str(&b, r->unmapped[t], (size_t)-1);
            }
            xa_buf_printf(&b, "],\"indexed_operations\":%zu}", r->nops);
            printf("%s\n", b.data);
            xa_buf_release(&b);
        } else {
            if (i == 0)
                printf("%-44s %-13s %-11s %-5s %s\n", "ID", "LEVEL", "KIND", "ALERT", "TITLE (AUTHOR)");
            printf("%-44s %-13s %-11s %-5s %s (%s)\n", r->id ? r->id : r->name, r->level, kind,
                   r->generate ? "yes" : "no", r->title, r->author ? r->author : "-");
        }
    }
    xa_cli_rules_cfg_release(&rc);
    xa_ruleset_release(&rs);
    return ec;
}

static int cmd_validate(struct xa_cli *cli, struct opts *o, int argc, char **argv)
{
    int bad = 0;
    /* the pack and configuration first */
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_cli_rules rc;
    int ec = xa_cli_rules_setup(cli, &rs, &rc, o->builtin, o->extra, o->nextra);
    if (ec)
        bad = 1;
    else
        printf("ok    %zu rule(s) of the pack and configuration\n", rs.n);
    xa_cli_rules_cfg_release(&rc);
    xa_ruleset_release(&rs);
    for (int i = optind; i < argc; i++) {
        struct xa_ruleset one;
        xa_ruleset_init(&one);
        struct xa_diag d;
        xa_diag_clear(&d);
        xa_rc r = XA_OK;
        for (size_t k = 0; k < xa_rules_n_embedded && !r; k++)
            if (strncmp(xa_rules_embedded[k].name, "mappings/", 9) == 0)
                r = xa_ruleset_load_mapping(&one, xa_rules_embedded[k].name,
                                            xa_rules_embedded[k].data, xa_rules_embedded[k].len, &d);
        if (!r)
            r = xa_ruleset_load_path(&one, argv[i], &d);
        if (!r && o->builtin) /* correlations may reference pack rules */
            r = xa_ruleset_load_builtin(&one, &d);
        if (!r)
            r = xa_ruleset_finalise(&one, &d);
        if (r) {
            printf("FAIL  %s: %s\n", argv[i], d.msg);
            bad = 1;
        } else
            printf("ok    %s\n", argv[i]);
        for (size_t w = 0; w < one.nwarnings; w++)
            printf("warn  %s\n", one.warnings[w]);
        xa_ruleset_release(&one);
    }
    return bad ? XA_EXIT_FAIL : XA_EXIT_OK;
}

/* Run the rules over a JSON Lines file on a fresh engine; seq = line number. */
struct tctx {
    const char *want;   /* rule id or name whose matches are counted */
    int64_t hits;
    bool print;
};

static xa_rc test_cb(void *ud, const struct xa_rule *r, const struct xa_alert *a)
{
    struct tctx *t = ud;
    if (t->want && ((r->id && strcmp(r->id, t->want) == 0) || (r->name && strcmp(r->name, t->want) == 0)))
        t->hits++;
    if (t->print) {
        struct xa_buf b;
        xa_buf_init(&b, 0);
        xa_alert_to_json(a, &b);
        printf("%s\n", b.data);
        xa_buf_release(&b);
    }
    return XA_OK;
}

static xa_rc run_file(struct xa_ruleset *rs, const struct xa_engine_cfg *cfg, const char *path,
                      struct tctx *t, struct xa_diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return xa_diag_set(d, XA_ERR_IO, "%s: cannot open", path);
    struct xa_engine *e = NULL;
    xa_rc rc = xa_engine_new(rs, cfg, &e, d);
    if (rc) {
        fclose(f);
        return rc;
    }
    xa_engine_on_match(e, test_cb, t);
    struct xa_arena a;
    xa_arena_init(&a, 64 * 1024);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long long ln = 0;
    while (!rc && (n = getline(&line, &cap, f)) > 0) {
        ln++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (!n || line[0] == '#')
            continue;
        struct xa_json *j = NULL;
        if ((rc = xa_json_parse(line, (size_t)n, &j, d))) {
            xa_diag_set(d, rc, "%s:%lld: %s", path, ln, d->msg);
            break;
        }
        struct xa_norm_opts no = {NULL, XA_SRC_JSON, XA_TIME_NONE};
        struct xa_event ev;
        rc = xa_norm_record(j, line, (size_t)n, &no, &a, &ev, d);
        if (!rc) {
            ev.seq = ln;
            rc = xa_engine_event(e, &ev, d);
        } else
            xa_diag_set(d, rc, "%s:%lld: %s", path, ln, d->msg);
        xa_json_free(j);
        xa_arena_reset(&a);
    }
    free(line);
    fclose(f);
    xa_arena_release(&a);
    xa_engine_free(e);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_test(struct xa_cli *cli, struct opts *o, int argc, char **argv)
{
    struct xa_ruleset rs;
    xa_ruleset_init(&rs);
    struct xa_cli_rules rc;
    int ec = xa_cli_rules_setup(cli, &rs, &rc, o->builtin, o->extra, o->nextra);
    if (ec) {
        xa_cli_rules_cfg_release(&rc);
        xa_ruleset_release(&rs);
        return ec;
    }
    struct xa_diag d;
    xa_diag_clear(&d);
    int passed = 0, failed = 0;
    if (o->records) {
        struct tctx t = {NULL, 0, true};
        xa_rc r = run_file(&rs, &rc.cfg, o->records, &t, &d);
        if (r) {
            xa_cli_error(&d, r);
            ec = XA_EXIT_FAIL;
        }
    } else if (optind >= argc) {
        fprintf(stderr, "exoaudit rules test: expected a test directory or --records FILE\n");
        ec = XA_EXIT_USAGE;
    } else {
        const char *dir = argv[optind];
        DIR *dd = opendir(dir);
        if (!dd) {
            fprintf(stderr, "exoaudit rules test: %s: cannot open\n", dir);
            ec = XA_EXIT_FAIL;
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *de;
        while (dd && (de = readdir(dd))) {
            if (de->d_name[0] == '.')
                continue;
            char **x = realloc(names, (nn + 1) * sizeof(*x));
            if (!x)
                break;
            names = x;
            names[nn++] = strdup(de->d_name);
        }
        if (dd)
            closedir(dd);
        if (nn)
            qsort(names, nn, sizeof(*names), cmp_str);
        for (size_t i = 0; i < nn; i++) {
            char sub[4096];
            snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
            struct stat sb;
            if (stat(sub, &sb) || !S_ISDIR(sb.st_mode))
                continue;
            if (!xa_ruleset_find(&rs, names[i])) {
                printf("FAIL - %s: no such rule loaded\n", names[i]);
                failed++;
                continue;
            }
            DIR *fd = opendir(sub);
            char **files = NULL;
            size_t nf = 0;
            while (fd && (de = readdir(fd))) {
                size_t l = strlen(de->d_name);
                if (l < 7 || strcmp(de->d_name + l - 6, ".jsonl") != 0)
                    continue;
                char **x = realloc(files, (nf + 1) * sizeof(*x));
                if (!x)
                    break;
                files = x;
                files[nf++] = strdup(de->d_name);
            }
            if (fd)
                closedir(fd);
            if (nf)
                qsort(files, nf, sizeof(*files), cmp_str);
            for (size_t k = 0; k < nf; k++) {
                char p[8192];
                snprintf(p, sizeof(p), "%s/%s", sub, files[k]);
                bool pos = strncmp(files[k], "pos", 3) == 0;
                struct tctx t = {names[i], 0, false};
                xa_diag_clear(&d);
                xa_rc r = run_file(&rs, &rc.cfg, p, &t, &d);
                bool ok = !r && (pos ? t.hits > 0 : t.hits == 0);
                if (ok) {
                    printf("ok - %s %s (%lld match(es))\n", names[i], files[k], (long long)t.hits);
                    passed++;
                } else {
                    printf("FAIL - %s %s: %s\n", names[i], files[k],
                           r ? d.msg : pos ? "rule did not match" : "rule matched a negative record");
                    failed++;
                }
                free(files[k]);
            }
            free(files);
        }
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
        printf("%d passed, %d failed\n", passed, failed);
        if (failed)
            ec = XA_EXIT_FAIL;
    }
    xa_cli_rules_cfg_release(&rc);
    xa_ruleset_release(&rs);
    return ec;
}

int xa_cmd_rules(struct xa_cli *cli, int argc, char **argv)
{
    if (argc < 2) {
        xa_help_rules(stderr);
        return XA_EXIT_USAGE;
    }
    const char *sub = argv[1];
    struct opts o;
    int ec = parse_opts(argc - 1, argv + 1, &o);
    if (ec)
        return ec;
    if (strcmp(sub, "list") == 0)
        return cmd_list(cli, &o);
    if (strcmp(sub, "validate") == 0)
        return cmd_validate(cli, &o, argc - 1, argv + 1);
    if (strcmp(sub, "test") == 0)
        return cmd_test(cli, &o, argc - 1, argv + 1);
    fprintf(stderr, "exoaudit rules: unknown subcommand '%s' (list, validate, test)\n", sub);
    return XA_EXIT_USAGE;
}
