/* Exec argv[1] with an empty argument vector (argc 0), as a hostile or careless parent can:
 * kernels before 5.18 pass it on as is; later ones supply "" as argv[0]. */
#include <stdio.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: exec_without_argv PROGRAM\n");
        return 2;
    }
    char *empty[] = {NULL};
    execve(argv[1], empty, environ);
    perror(argv[1]);
    return 127;
}
