/* static_true: a statically linked do-nothing binary, the preflight's no-loader case. */
int main(void) { return 0; }
