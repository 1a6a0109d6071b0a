package kernel

// Frame is one frame of a backtrace.
type Frame struct {
	Index  int    `json:"index"`
	SP     uint64 `json:"sp"` // stack address: where the return address was read (frame 0: the register SP)
	PC     uint64 `json:"pc"` // return address, or the exact PC of frame 0 and of interrupted frames
	Symbol string `json:"symbol,omitempty"`
	Func   string `json:"func,omitempty"`
	Offset uint64 `json:"offset"`
	Module string `json:"module,omitempty"` // "" for vmlinux
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Stack  string `json:"stack"` // task, IRQ, NMI, DF, DB, MCE, VC, VC2
	// Exception is the struct pt_regs this frame saved (an interrupt,
	// exception or system call entry); the next frame is the interrupted
	// one, and its PC is exact.
	Exception     Regs   `json:"exception,omitempty"`
	ExceptionAddr uint64 `json:"exception_addr,omitempty"`
	Partial       bool   `json:"partial,omitempty"` // only the iret frame of pt_regs was saved
	// Unreliable marks a frame found by scanning the stack for text
	// addresses rather than by unwinding (crash's "?" frames).
	Unreliable bool `json:"unreliable,omitempty"`
	// How is "orc", "scan" or "start".
	How string `json:"how"`
}

// Backtrace is one task's stack.
type Backtrace struct {
	Task   Task   `json:"task"`
	Source string `json:"source"` // where the first registers came from
	// StartRegs are the registers the unwind began with (a CPU's saved
	// registers, or PC/SP/BP from the task's switch frame).
	StartRegs Regs    `json:"start_regs,omitempty"`
	Frames    []Frame `json:"frames"`
	// End says why the unwind stopped; Complete is true when it reached a
	// normal end (user mode entry, kernel thread start, idle entry).
	End      string `json:"end"`
	Complete bool   `json:"complete"`
	// UserRegs are the user-mode registers when the stack ends at a system
	// call or interrupt from user space, or the task was running in user
	// mode at the crash.
	UserRegs Regs `json:"user_regs,omitempty"`
}
