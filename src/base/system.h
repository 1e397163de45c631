// Facts about the running process and host, behind one seam.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace tfhub::base {

// socket.gethostname() equivalent.
std::string HostName();

// This process's id.
long ProcessId();

// CPUs this process may run on (its affinity mask: taskset, a container's
// cpuset), at least 1; the machine's count if the mask cannot be read.
size_t AvailableCpus();

// 32 lowercase hex characters from a CSPRNG (Python's uuid.uuid4().hex shape).
std::string RandomUid();

// Python's str(datetime.today()) for `t` in local time:
// "YYYY-MM-DD HH:MM:SS.ffffff", the fraction dropped when it is exactly 0.
std::string PythonLocalTimeString(std::chrono::system_clock::time_point t);

// Writes `line` (control characters escaped, base::EscapeForTerminal: log
// lines quote what came from disk or the network) and a newline to stderr in
// one write(2), so that lines from several threads (a log line, an
// interrupt message) never interleave mid-line. The default destination of
// tfhub's log lines.
void WriteLineToStderr(std::string_view line);

}  // namespace tfhub::base
