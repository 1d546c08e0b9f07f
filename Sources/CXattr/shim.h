// Extended-attribute declarations (fsetxattr, fgetxattr, lgetxattr), which the Swift Glibc module does not export.
#include <sys/xattr.h>
