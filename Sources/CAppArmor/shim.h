#include <sys/apparmor.h>
