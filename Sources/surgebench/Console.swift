import Foundation
import Synchronization
import SurgeCore

/// Prints a line unbuffered, so that it stays in order with the progress lines on stderr when both are piped.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Ctrl-C (SIGINT) and SIGTERM (what a CI runner or Kubernetes sends) stop the work under way: a replay keeps the
/// results written so far, marked incomplete, and removes its temporary stores; a trace being generated is not
/// written. A second signal exits at once.
func installInterruptHandler() {
    // A parent may have started us with the signals blocked (test runners do); the threads made later inherit this.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for number in [SIGINT, SIGTERM] {
        signal(number) { number in
            if interruption.isRequested { _exit(128 + number) }
            interruptionSignal.store(number, ordering: .relaxed)
            interruption.request()
        }
    }
}

/// The exit status of a process stopped by ``installInterruptHandler()``'s signal: 130 for Ctrl-C, 143 for SIGTERM;
/// nil when no signal came.
var interruptionExitStatus: Int32? {
    let number = interruptionSignal.load(ordering: .relaxed)
    return number == 0 ? nil : 128 + number
}

/// What Ctrl-C and SIGTERM set: handed to every pipeline the command runs (a signal handler can reach only a global).
let interruption = StopSignal()

/// The signal that set ``interruption`` (SIGINT, SIGTERM), 0 while none has.
private let interruptionSignal = Atomic<Int32>(0)
