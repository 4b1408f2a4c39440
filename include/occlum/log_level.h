/*
 * Log levels, shared by the host runtime, the LibOS and the CLI. OCCLUM_LOG_LEVEL names one
 * of them (off, error, warn, info, debug, trace). The runtime and the LibOS default to error,
 * the CLI to warn; "off" silences even errors.
 */
#ifndef OCCLUM_LOG_LEVEL_H
#define OCCLUM_LOG_LEVEL_H

#define LOG_OFF   0
#define LOG_ERROR 1
#define LOG_WARN  2
#define LOG_INFO  3
#define LOG_DEBUG 4
#define LOG_TRACE 5

#endif
