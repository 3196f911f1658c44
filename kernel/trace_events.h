/* The trace events: TRACE_EVENT(name, system, format of its five 64-bit arguments). The
 * names, fields and text of the first eight are Linux's (include/trace/events/ksm.h), with
 * its int fields printed through %ld so that negative values read the same. */
TRACE_EVENT(ksm_start_scan, ksm, "seq %ld rmap size %ld")
TRACE_EVENT(ksm_stop_scan, ksm, "seq %ld rmap size %ld")
TRACE_EVENT(ksm_enter, ksm, "mm %p")
TRACE_EVENT(ksm_exit, ksm, "mm %p")
TRACE_EVENT(ksm_merge_one_page, ksm, "ksm pfn %lu rmap_item %p mm %p error %ld")
TRACE_EVENT(ksm_merge_with_ksm_page, ksm, "ksm_page %p pfn %lu rmap_item %p mm %p error %ld")
TRACE_EVENT(ksm_remove_ksm_page, ksm, "pfn %lu")
TRACE_EVENT(ksm_remove_rmap_item, ksm, "pfn %lu rmap_item %p mm %p")
/* Beyond Linux's: every decision ksmd takes about a page, so that `trace` tells one page's
 * whole story (the reason is a static string). */
TRACE_EVENT(ksm_page_volatile, ksm, "pfn %lu rmap_item %p mm %p")
TRACE_EVENT(ksm_page_skipped, ksm, "pfn %lu rmap_item %p mm %p")
TRACE_EVENT(ksm_page_unique, ksm, "pfn %lu rmap_item %p mm %p")
TRACE_EVENT(ksm_merge_failed, ksm, "pfn %lu address %#lx mm %p reason %s")
