/* activity.c - Operation -> portal friendly name (reference 4.1 and 4.2).
 *
 * Only names the reference documents are listed; section 4.3 says Exchange admin
 * cmdlets have no friendly name (the cmdlet is shown), so they are absent except the
 * four cmdlets 4.1 names (Add-/Remove-MailboxPermission, New-/Set-InboxRule). */
#include "norm/activity.h"

#include <stddef.h>
#include <strings.h>

static const struct {
    const char *op;
    const char *name;
} names[] = {
    {"AddFolderPermissions", "Added permissions to folder"},
    {"Add-MailboxPermission", "Added delegate mailbox permissions"},
    {"ApplyRecordLabel", "Labeled message as a record"},
    {"Copy", "Copied messages to another folder"},
    {"Create", "Created mailbox item"},
    {"HardDelete", "Purged messages from the mailbox"},
    {"MailboxLogin", "User signed in to mailbox"},
    {"MailItemsAccessed", "Accessed mailbox items"},
    {"Move", "Moved messages to another folder"},
    {"MoveToDeletedItems", "Moved messages to Deleted Items folder"},
    {"New-InboxRule", "Created new inbox rule in Outlook web app"},
    {"RecordDelete", "Deleted file marked as a record"},
    {"Remove-MailboxPermission", "Removed delegate mailbox permissions"},
    {"RemoveFolderPermissions", "Removed permissions from folder"},
    {"SearchQueryInitiatedExchange", "Performed email search"},
    {"SearchQueryInitiatedSharePoint", "Performed SharePoint search"},
    {"Send", "Sent message"},
    {"SendAs", "Sent message using Send As permissions"},
    {"SendOnBehalf", "Sent message using Send On Behalf permissions"},
    {"Set-InboxRule", "Modified inbox rule from Outlook web app"},
    {"SoftDelete", "Deleted messages from Deleted Items folder"},
    {"Update", "Updated message"},
    {"UpdateCalendarDelegation", "Added or removed user with delegate access to calendar folder"},
    {"UpdateFolderPermissions", "Modified folder permission"},
    {"UpdateInboxRules", "Updated inbox rules from Outlook client"},
};

const char *xa_norm_activity(const char *operation)
{
    if (!operation || !*operation)
        return NULL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(names[i].op, operation) == 0)
            return names[i].name;
    return NULL;
}
