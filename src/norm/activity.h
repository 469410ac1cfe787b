/* activity.h - portal "Activities" friendly names (reference section 4). */
#ifndef XA_NORM_ACTIVITY_H
#define XA_NORM_ACTIVITY_H

/* Friendly name of a record Operation (case-insensitive), or NULL when the portal has
 * none (Exchange admin cmdlets, unlisted operations: the operation is the display name).
 * Returns a static string. Thread-safe. */
const char *xa_norm_activity(const char *operation);

#endif
