/* The catalystd subcommands other than help/version: serve (serve_cmd.c)
 * and the admin commands (admin_<name>_<sub>.c). */
#ifndef CAT_ADMIN_H
#define CAT_ADMIN_H

/* Each takes argv with argv[0] = the (sub)command name; returns the exit code
 * (0 ok, 1 error, 129 usage). */
int cmd_serve(int argc, char **argv);

struct adm_cmd;
/* The admin commands, one file each (admin_<name>_<sub>.c): rows with
 * their option tables, from which usage and help are generated. */
extern const struct adm_cmd adm_migrate;
extern const struct adm_cmd adm_user_add;
extern const struct adm_cmd adm_org_add;
extern const struct adm_cmd adm_project_add;
extern const struct adm_cmd adm_client_add;
extern const struct adm_cmd adm_token_list;
extern const struct adm_cmd adm_token_revoke;
extern const struct adm_cmd adm_user_disable;
extern const struct adm_cmd adm_user_enable;
extern const struct adm_cmd adm_user_list;
extern const struct adm_cmd adm_client_list;
extern const struct adm_cmd adm_client_remove;
extern const struct adm_cmd adm_audit;

/* The --db of a command given none: the config file's (config, or the
 * default file when it exists), else ./var/catalyst.db (creating ./var).
 * NULL after printing why when the config file is bad. */
const char *cat_admin_db_default(const char *config);

#endif
