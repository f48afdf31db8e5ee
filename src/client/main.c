/* Placeholder until the CLI lands. */
#include <stdio.h>

int main(void)
{
	printf("catalyst %s\n", CATALYST_VERSION);
	return 0;
}
