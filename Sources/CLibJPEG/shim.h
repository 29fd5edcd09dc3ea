// jpeglib.h needs FILE and size_t declared before it (libjpeg.txt, "Compilation").
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
