#include <selinux/selinux.h>
