/*
 * The OAuth scopes the reference CLI requests, per DC (protocol doc §9): the
 * same list for every DC except that eu/in/au/jp leave out dataverse and
 * ca/sa also QuickML. Kept verbatim so a server sees the same grant from
 * either CLI.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "banned.h"

static const char *const scopes[] = {
	"ZohoCatalyst.apigateway.apis.READ",
	"ZohoCatalyst.apigateway.apis.CREATE",
	"ZohoCatalyst.apigateway.apis.UPDATE",
	"ZohoCatalyst.apigateway.apis.DELETE",
	"ZohoCatalyst.apigateway.READ",
	"ZohoCatalyst.apigateway.UPDATE",
	"ZohoCatalyst.segments.ALL",
	"ZohoCatalyst.cache.READ",
	"ZohoCatalyst.cache.CREATE",
	"ZohoCatalyst.cache.DELETE",
	"ZohoCatalyst.queue.ALL",
	"ZohoCatalyst.queue.data.READ",
	"ZohoCatalyst.queue.data.CREATE",
	"ZohoCatalyst.projects.ALL",
	"ZohoCatalyst.project.export.READ",
	"ZohoCatalyst.project.export.CREATE",
	"ZohoCatalyst.project.import.READ",
	"ZohoCatalyst.project.import.CREATE",
	"ZohoCatalyst.project.import.DELETE",
	"ZohoCatalyst.cron.ALL",
	"ZohoCatalyst.zcql.CREATE",
	"ZohoCatalyst.webapp.ALL",
	"ZohoCatalyst.projects.users.READ",
	"ZohoCatalyst.projects.users.CREATE",
	"ZohoCatalyst.projects.users.DELETE",
	"ZohoCatalyst.projects.users.UPDATE",
	"ZohoCatalyst.authentication.CREATE",
	"ZohoCatalyst.email.CREATE",
	"ZohoCatalyst.tables.ALL",
	"ZohoCatalyst.tables.rows.ALL",
	"ZohoCatalyst.tables.columns.ALL",
	"ZohoCatalyst.tables.bulk.READ",
	"ZohoCatalyst.tables.bulk.CREATE",
	"ZohoCatalyst.nosql.READ",
	"ZohoCatalyst.nosql.rows.ALL",
	"ZohoCatalyst.folders.ALL",
	"ZohoCatalyst.files.CREATE",
	"ZohoCatalyst.files.READ",
	"ZohoCatalyst.files.DELETE",
	"ZohoCatalyst.functions.ALL",
	"ZohoCatalyst.functions.EXECUTE",
	"ZohoCatalyst.eventlistners.ALL",
	"ZohoCatalyst.eventlisteners.produce",
	"ZohoCatalyst.security.rules.Read",
	"ZohoCatalyst.security.rules.Update",
	"ZohoCatalyst.notifications.mobile",
	"ZohoCatalyst.notifications.web",
	"ZohoCatalyst.search.READ",
	"ZohoCatalyst.mlkit.READ",
	"QuickML.deployment.READ",
	"ZohoCatalyst.pdfshot.execute",
	"ZohoCatalyst.dataverse.execute",
	"ZohoCatalyst.grid.READ",
	"ZohoCatalyst.grid.terminate",
	"ZohoCatalyst.circuits.execute",
	"ZohoCatalyst.circuits.execution.READ",
	"ZohoCatalyst.circuits.execution.DELETE",
	"ZohoCatalyst.cli.logs.CREATE",
	"ZohoCatalyst.appsail.Read",
	"ZohoCatalyst.appsail.Create",
	"ZohoCatalyst.appsail.Update",
	"ZohoCatalyst.appsail.Delete",
	"ZohoCatalyst.jobpool.READ",
	"ZohoCatalyst.job.ALL",
	"ZohoCatalyst.tunneling.READ",
	"ZohoCatalyst.tunneling.UPDATE",
	"AaaServer.profile.READ",
	"profile.userphoto.READ",
	"Stratus.fileop.CREATE",
	"Stratus.fileop.ALL",
	"Stratus.bucketop.ALL",
	"ZohoCatalyst.buckets.objects.UPDATE",
	"ZohoCatalyst.buckets.objects.READ",
	"ZohoCatalyst.buckets.objects.DELETE",
	"ZohoCatalyst.buckets.READ",
	"ZohoCatalyst.buckets.objects.CREATE",
	"ZohoCatalyst.pipeline.READ",
	"ZohoCatalyst.pipeline.execution.CREATE",
	"ZohoCatalyst.connections.READ",
	"ZohoCatalyst.Slate.app.READ",
	"ZohoCatalyst.Slate.app.CREATE",
};

static int omitted(const char *scope, const char *dc)
{
	if (strcmp(scope, "ZohoCatalyst.dataverse.execute") == 0)
		return strstr("eu in au jp ca sa", dc) != NULL;
	if (strcmp(scope, "QuickML.deployment.READ") == 0)
		return strcmp(dc, "ca") == 0 || strcmp(dc, "sa") == 0;
	return 0;
}

const char *cat_auth_scope(const char *dc)
{
	static char out[4096];
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t n = strlen(scopes[i]);

		if (omitted(scopes[i], dc))
			continue;
		if (len + n + 2 > sizeof(out))
			break; /* cannot happen: the list is fixed */
		if (len)
			out[len++] = ' ';
		memcpy(out + len, scopes[i], n + 1);
		len += n;
	}
	return out;
}
