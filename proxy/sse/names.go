package sse

// internName returns the event name as a string, using a constant for the
// names providers send so framing those events does not allocate. The
// switch on string(b) compiles to comparisons without a conversion.
func internName(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "message":
		return "message"
	case "error":
		return "error"
	case "ping":
		return "ping"

	// Anthropic Messages.
	case "message_start":
		return "message_start"
	case "content_block_start":
		return "content_block_start"
	case "content_block_delta":
		return "content_block_delta"
	case "content_block_stop":
		return "content_block_stop"
	case "message_delta":
		return "message_delta"
	case "message_stop":
		return "message_stop"

	// OpenAI Responses.
	case "response.created":
		return "response.created"
	case "response.in_progress":
		return "response.in_progress"
	case "response.queued":
		return "response.queued"
	case "response.completed":
		return "response.completed"
	case "response.failed":
		return "response.failed"
	case "response.incomplete":
		return "response.incomplete"
	case "response.output_item.added":
		return "response.output_item.added"
	case "response.output_item.done":
		return "response.output_item.done"
	case "response.content_part.added":
		return "response.content_part.added"
	case "response.content_part.done":
		return "response.content_part.done"
	case "response.output_text.delta":
		return "response.output_text.delta"
	case "response.output_text.done":
		return "response.output_text.done"
	case "response.output_text.annotation.added":
		return "response.output_text.annotation.added"
	case "response.refusal.delta":
		return "response.refusal.delta"
	case "response.refusal.done":
		return "response.refusal.done"
	case "response.function_call_arguments.delta":
		return "response.function_call_arguments.delta"
	case "response.function_call_arguments.done":
		return "response.function_call_arguments.done"
	case "response.reasoning_summary_part.added":
		return "response.reasoning_summary_part.added"
	case "response.reasoning_summary_part.done":
		return "response.reasoning_summary_part.done"
	case "response.reasoning_summary_text.delta":
		return "response.reasoning_summary_text.delta"
	case "response.reasoning_summary_text.done":
		return "response.reasoning_summary_text.done"
	case "response.reasoning_text.delta":
		return "response.reasoning_text.delta"
	case "response.reasoning_text.done":
		return "response.reasoning_text.done"
	case "output_item.added":
		return "output_item.added"
	case "output_item.done":
		return "output_item.done"
	case "content_part.added":
		return "content_part.added"
	case "content_part.done":
		return "content_part.done"
	case "output_text.delta":
		return "output_text.delta"
	case "output_text.done":
		return "output_text.done"
	case "function_call_arguments.delta":
		return "function_call_arguments.delta"
	case "function_call_arguments.done":
		return "function_call_arguments.done"
	}
	return string(b)
}
