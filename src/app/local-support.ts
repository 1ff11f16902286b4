/**
 * The port swarm-wiz answers HTTP-01 on for `--target local`, on this machine's address on
 * Docker's default bridge (the proxy publishes port 80 on the same machine). nginx.conf names it.
 */
export const LOCAL_SUPPORT_PORT = 8402;
