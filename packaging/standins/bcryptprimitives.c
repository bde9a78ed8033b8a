/* Build machine only: Wine 8 has no bcryptprimitives.dll, whose ProcessPrng (Windows 10)
 * Rust-built extensions import (cryptography's _rust.pyd). This stand-in answers it with
 * RtlGenRandom (advapi32's SystemFunction036). packaging/wine.py compiles it with
 * mingw-w64 into the Wine prefix's system32; it must never ship with the app. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
