#include "cli/app.h"

int main(int argc, char** argv) { return coreflow::Main(argc, argv); }
