#include <config.h>
#include "agent/core/pmdconf.h"

#include <errno.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "agent/core/agentconf.h"
#include "agent/lib/promtext.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "pmd-config/pmdapply.h"
#include "pmd-config/pmdintent.h"
#include "pmd-config/pmdplan.h"
#include "pmd-config/pmdshow.h"
#include "pmd-config/pmdswitch.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(pmdconf);

#define PMDCONF_TIMEOUT_MS 5000

static int
load_intent(const struct agentconf *conf, struct pmdintent *in)
{
    char *err = NULL;
    int error = 0;

    if (conf->pmd_intent_file) {
        error = pmdintent_load(in, conf->pmd_intent_file, &err);
    }
    if (!error && conf->pmd_intent) {
        error = pmdintent_set(in, "intent", conf->pmd_intent, &err);
    }
    if (!error && !in->ovs_version) {
        char *v = pmdswitch_version(conf->ovs_rundir, PMDCONF_TIMEOUT_MS);
        error = v ? pmdintent_set(in, "ovsVersion", v, &err) : 0;
        free(v);
    }
    if (error) {
        VLOG_ERR("pmd: %s", err);
        free(err);
    }
    return error;
}

static void
log_plan(const struct pmdplan *plan, const struct pmdapply_diff *d,
         bool restart)
{
    for (size_t i = 0; i < plan->n_warnings; i++) {
        VLOG_WARN("pmd: %s", plan->warnings[i]);
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct pmdapply_item *it = &d->items[i];
        if (pmdapply_item_differs(it)) {
            VLOG_INFO("pmd: %s %s -> %s%s", it->name,
                      it->live ? it->live : "(none)",
                      it->want ? it->want : "(removed)",
                      restart && it->restart
                      ? " (ovs-vswitchd reads it when it restarts)" : "");
        }
    }
}

int
pmdconf_apply(const struct agentconf *conf, struct ovsbridge *br)
{
    struct pmdintent in;
    struct pmdplan *plan = NULL;
    int error;

    pmdintent_init(&in);
    error = load_intent(conf, &in);
    if (!error) {
        char *err;
        plan = pmdplan_for_host(&in, &err);
        if (!plan) {
            VLOG_ERR("pmd: %s", err);
            free(err);
            error = -EINVAL;
        }
    }
    for (size_t i = 0; plan && i < plan->n_refusals; i++) {
        VLOG_ERR("pmd: refused, nothing applied: %s", plan->refusals[i]);
    }
    if (plan && !pmdplan_refused(plan)) {
        struct pmdapply_diff d;
        bool restart;
        error = pmdapply_apply(br, plan, &d, &restart);
        if (error) {
            VLOG_ERR("pmd: apply: %s, nothing applied", ovs_strerror(-error));
        } else {
            log_plan(plan, &d, restart);
        }
        pmdapply_diff_destroy(&d);
    }
    pmdplan_destroy(plan);
    pmdintent_destroy(&in);
    return error;
}

void
pmdconf_metrics(struct ovsbridge *br, struct json_object *threads,
                struct ds *s)
{
    struct pmdshow_drift *d;
    size_t n = pmdshow_drift(br, json_object_array_length(threads)
                                 ? threads : NULL, &d);

    promtext_family(s, "seine_pmd_config_drift", PROMTEXT_GAUGE,
                    "1 for each key of the applied PMD plan (seine-pmd) "
                    "that the database or the switch no longer has.");
    for (size_t i = 0; i < n; i++) {
        struct promtext_label l[] = { { "key", d[i].name } };
        promtext_sample_uint(s, "seine_pmd_config_drift", l, 1,
                             d[i].drifts);
    }
    pmdshow_drift_free(d, n);
}
