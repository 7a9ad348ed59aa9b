#include <config.h>
#include "agent/pods/vfsettings.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <netlink/route/link.h>
#include <netlink/route/link/sriov.h>

#include "agent/lib/nlroute.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

static const char *const link_names[] = {
    [IFLA_VF_LINK_STATE_AUTO] = "auto",
    [IFLA_VF_LINK_STATE_ENABLE] = "enable",
    [IFLA_VF_LINK_STATE_DISABLE] = "disable",
};

static void
read_vf(struct rtnl_link_vf *vf, struct vfsettings *s)
{
    struct nl_addr *mac = NULL;
    nl_vf_vlans_t *vlans = NULL;
    uint32_t value;

    memset(s, 0, sizeof *s);
    if (!rtnl_link_vf_get_addr(vf, &mac) && mac
        && nl_addr_get_len(mac) == sizeof s->mac) {
        memcpy(s->mac, nl_addr_get_binary_addr(mac), sizeof s->mac);
        s->fields |= VFSETTINGS_MAC;
    }
    if (!rtnl_link_vf_get_vlans(vf, &vlans)) {
        if (vlans && vlans->size) {
            s->vlan = vlans->vlans[0].vf_vlan;
            s->qos = vlans->vlans[0].vf_vlan_qos;
        }
        s->fields |= VFSETTINGS_VLAN;
    }
    if (!rtnl_link_vf_get_spoofchk(vf, &value)) {
        s->spoofchk = value != 0;
        s->fields |= VFSETTINGS_SPOOFCHK;
    }
    if (!rtnl_link_vf_get_trust(vf, &value)) {
        s->trust = value != 0;
        s->fields |= VFSETTINGS_TRUST;
    }
    if (!rtnl_link_vf_get_linkstate(vf, &value)
        && value < ARRAY_SIZE(link_names)) {
        s->link = value;
        s->fields |= VFSETTINGS_LINK;
    }
    rtnl_link_vf_vlan_put(vlans);
}

int
vfsettings_read(struct nl_sock *sk, const char *pf_netdev, int index,
                struct vfsettings *s)
{
    struct rtnl_link *pf = NULL;
    int error = nlroute_link_get(sk, pf_netdev, &pf);

    if (error) {
        return error;
    }
    /* libnl's rtnl_link_vf_get() dereferences a VF list a link without
     * IFLA_NUM_VF (no SR-IOV) does not have. */
    uint32_t n_vfs = 0;
    struct rtnl_link_vf *vf = (!rtnl_link_get_num_vf(pf, &n_vfs)
                               && index >= 0 && (uint32_t) index < n_vfs
                               ? rtnl_link_vf_get(pf, index) : NULL);
    if (vf) {
        read_vf(vf, s);
        rtnl_link_vf_put(vf);
    }
    rtnl_link_put(pf);
    return vf ? 0 : -ENOTSUP;
}

/* 's''s VLAN as libnl encodes one: IFLA_VF_VLAN (802.1Q). */
static nl_vf_vlans_t *
vlan_of(const struct vfsettings *s)
{
    nl_vf_vlans_t *vlans = NULL;

    if (rtnl_link_vf_vlan_alloc(&vlans, 1) < 0) {
        return NULL;
    }
    vlans->vlans[0].vf_vlan = s->vlan;
    vlans->vlans[0].vf_vlan_qos = s->qos;
    vlans->vlans[0].vf_vlan_proto = ETH_TYPE_VLAN_8021Q;
    return vlans;
}

struct rtnl_link *
vfsettings_change(int index, const struct vfsettings *s)
{
    struct rtnl_link *changes = rtnl_link_alloc();
    struct rtnl_link_vf *vf = rtnl_link_vf_alloc();
    nl_vf_vlans_t *vlans = s->fields & VFSETTINGS_VLAN ? vlan_of(s) : NULL;
    struct nl_addr *mac = (s->fields & VFSETTINGS_MAC
                           ? nl_addr_build(AF_LLC, s->mac, sizeof s->mac)
                           : NULL);

    rtnl_link_vf_set_index(vf, index);
    if (mac) {
        rtnl_link_vf_set_addr(vf, mac);
    }
    if (vlans) {
        rtnl_link_vf_set_vlans(vf, vlans);
    }
    if (s->fields & VFSETTINGS_SPOOFCHK) {
        rtnl_link_vf_set_spoofchk(vf, s->spoofchk);
    }
    if (s->fields & VFSETTINGS_TRUST) {
        rtnl_link_vf_set_trust(vf, s->trust);
    }
    if (s->fields & VFSETTINGS_LINK) {
        rtnl_link_vf_set_linkstate(vf, s->link);
    }
    rtnl_link_vf_add(changes, vf);
    rtnl_link_vf_vlan_put(vlans);
    rtnl_link_vf_put(vf);
    nl_addr_put(mac);
    return changes;
}

int
vfsettings_write(struct nl_sock *sk, const char *pf_netdev, int index,
                 const struct vfsettings *s)
{
    struct rtnl_link *changes = vfsettings_change(index, s);
    int error = nlroute_link_change(sk, pf_netdev, changes);

    rtnl_link_put(changes);
    return error;
}

char *
vfsettings_format(const struct vfsettings *s)
{
    struct ds out = DS_EMPTY_INITIALIZER;

    if (s->fields & VFSETTINGS_MAC) {
        ds_put_format(&out, "mac="ETH_ADDR_FMT" ",
                      ETH_ADDR_BYTES_ARGS(s->mac));
    }
    if (s->fields & VFSETTINGS_VLAN) {
        ds_put_format(&out, "vlan=%"PRIu32" qos=%"PRIu32" ", s->vlan,
                      s->qos);
    }
    if (s->fields & VFSETTINGS_SPOOFCHK) {
        ds_put_format(&out, "spoofchk=%s ", s->spoofchk ? "on" : "off");
    }
    if (s->fields & VFSETTINGS_TRUST) {
        ds_put_format(&out, "trust=%s ", s->trust ? "on" : "off");
    }
    if (s->fields & VFSETTINGS_LINK) {
        ds_put_format(&out, "link=%s ", link_names[s->link]);
    }
    ds_chomp(&out, ' ');
    return ds_steal_cstr(&out);
}

static int
parse_bool(const char *value, bool *b)
{
    *b = !strcmp(value, "on");
    return *b || !strcmp(value, "off") ? 0 : -EINVAL;
}

static int
parse_u32(const char *value, uint32_t max, uint32_t *u)
{
    char *end;
    unsigned long n = strtoul(value, &end, 10);

    *u = n;
    return *value && !*end && n <= max ? 0 : -EINVAL;
}

static int
parse_link(const char *value, uint32_t *link)
{
    for (size_t i = 0; i < ARRAY_SIZE(link_names); i++) {
        if (!strcmp(value, link_names[i])) {
            *link = i;
            return 0;
        }
    }
    return -EINVAL;
}

static int
parse_mac(const char *value, uint8_t mac[6])
{
    struct eth_addr ea;

    if (!eth_addr_from_string(value, &ea)) {
        return -EINVAL;
    }
    memcpy(mac, ea.ea, sizeof ea.ea);
    return 0;
}

static int
parse_pair(const char *key, const char *value, struct vfsettings *s)
{
    unsigned int field = 0;
    int error = -EINVAL;

    if (!strcmp(key, "mac")) {
        field = VFSETTINGS_MAC;
        error = parse_mac(value, s->mac);
    } else if (!strcmp(key, "vlan")) {
        field = VFSETTINGS_VLAN;
        error = parse_u32(value, 4095, &s->vlan);
    } else if (!strcmp(key, "qos")) {
        field = VFSETTINGS_VLAN;
        error = parse_u32(value, 7, &s->qos);
    } else if (!strcmp(key, "spoofchk")) {
        field = VFSETTINGS_SPOOFCHK;
        error = parse_bool(value, &s->spoofchk);
    } else if (!strcmp(key, "trust")) {
        field = VFSETTINGS_TRUST;
        error = parse_bool(value, &s->trust);
    } else if (!strcmp(key, "link")) {
        field = VFSETTINGS_LINK;
        error = parse_link(value, &s->link);
    }
    s->fields |= error ? 0 : field;
    return error;
}

int
vfsettings_parse(const char *text, struct vfsettings *s)
{
    memset(s, 0, sizeof *s);
    if (!text || !strncmp(text, "skipped:", 8)) {
        return 0;
    }
    char *copy = xstrdup(text), *save = NULL;
    int error = 0;

    for (char *tok = strtok_r(copy, " ", &save); tok && !error;
         tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) {
            *eq = '\0';
        }
        error = eq ? parse_pair(tok, eq + 1, s) : -EINVAL;
    }
    free(copy);
    if (error) {
        memset(s, 0, sizeof *s);
    }
    return error;
}
