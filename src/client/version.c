/* Placeholder so the client library is never empty. */
const char *cat_client_version(void);
const char *cat_client_version(void)
{
	return CATALYST_VERSION;
}
