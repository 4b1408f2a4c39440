/* The smallest program to spawn: a static-pie that exits 0 (bench/spawn_lat.c). */
int main(void)
{
    return 0;
}
