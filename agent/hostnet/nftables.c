#include <config.h>
#include "agent/hostnet/nftables.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>

#include "util.h"

int
nftables_run(const char *script, char **errp)
{
    struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
    int error = 0;

    *errp = NULL;
    if (!nft) {
        *errp = xstrdup("cannot create an nftables context");
        return -ENOMEM;
    }
    nft_ctx_buffer_error(nft);
    if (nft_run_cmd_from_buffer(nft, script)) {
        const char *msg = nft_ctx_get_error_buffer(nft);
        *errp = xstrdup(msg && *msg ? msg : "nftables refused the commands");
        error = -EIO;
    }
    nft_ctx_free(nft);
    return error;
}
