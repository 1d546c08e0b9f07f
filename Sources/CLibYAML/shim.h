// libyaml's event parser for GarrisonManifest's YAMLComposer. Executables that also link Yams get Yams' bundled
// copy of libyaml (same 0.2.5 release, identical yaml.h), whose symbols the static link binds first.
#include <yaml.h>
