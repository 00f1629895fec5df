// The rastio command-line tool.
#include <cstdio>
#include <string>

#include <rastio/rastio.hpp>

int main(int argc, char** argv) {
    if (argc >= 2 && std::string(argv[1]) == "--version") {
        std::printf("rastio %s\n", rastio::version_string);
        return 0;
    }
    std::fprintf(stderr, "rastio: error: no subcommand given (try --version)\n");
    return 2;
}
