"""Sample records that skills summarise and agents' tools search and read.

Field names match the skills' input fields (`work_notes`, `transcript`, `implementation_plan`,
…) so a record can fill a skill's inputs directly.
"""

from __future__ import annotations

from skills.choices import RecordKind

INC, CASE, CHG = RecordKind.INCIDENT, RecordKind.CASE, RecordKind.CHANGE_REQUEST
CHAT, KB = RecordKind.CHAT_TRANSCRIPT, RecordKind.KB_ARTICLE

RECORDS: list[dict] = [
    {
        "kind": INC,
        "number": "INC0010001",
        "short_description": "Email not syncing on mobile devices after password change",
        "description": "Since changing her password this morning, the caller's iPhone Mail app "
        "keeps prompting for credentials and no new mail arrives. Outlook on the laptop works.",
        "fields": {
            "priority": "3 - Moderate",
            "state": "In Progress",
            "category": "Email",
            "assignment_group": "Service Desk",
            "caller": "Beth Anglin",
            "cmdb_ci": "Exchange Online",
            "work_notes": "09:12 Verified the account is not locked in Entra ID.\n"
            "09:20 Mobile device still has the old password cached; the modern-auth token "
            "was revoked by the password change.\n"
            "09:31 Asked the caller to remove and re-add the account on the device.",
            "comments": "Caller: I removed the account but cannot add it back, it says "
            "'Cannot verify server identity'.",
        },
    },
    {
        "kind": INC,
        "number": "INC0010002",
        "short_description": "VPN disconnects every 10 minutes for the Lisbon office",
        "description": "Around 40 users in the Lisbon office report that GlobalProtect VPN "
        "drops every ten minutes and reconnects. Started after last night's firewall update.",
        "fields": {
            "priority": "2 - High",
            "state": "In Progress",
            "category": "Network",
            "assignment_group": "Network Operations",
            "caller": "Joe Employee",
            "cmdb_ci": "fw-lis-01",
            "work_notes": "Firewall fw-lis-01 upgraded to 11.1.4 at 23:00.\n"
            "IKE rekey interval changed from 8h to 600s by the new default profile.\n"
            "Workaround: restored the 8h rekey on the gateway profile for 3 test users; "
            "no drops in 45 minutes.",
            "comments": "Users confirm the test group is stable.",
        },
    },
    {
        "kind": INC,
        "number": "INC0010003",
        "short_description": "SAP payroll batch job failed with dump TSV_TNEW_PAGE_ALLOC_FAILED",
        "description": "The nightly payroll simulation job PY_SIM_NIGHTLY ended with a short "
        "dump. HR needs the results before 14:00 for the monthly run.",
        "fields": {
            "priority": "1 - Critical",
            "state": "Resolved",
            "category": "Software",
            "assignment_group": "SAP Basis",
            "caller": "Fred Luddy",
            "cmdb_ci": "SAP ERP PRD",
            "close_code": "Solved (Permanently)",
            "work_notes": "Dump shows extended memory exhausted in work process 12.\n"
            "ztta/roll_extension was lowered during the kernel patch last week.\n"
            "Restored the parameter to 4 GB, restarted the job: finished in 38 minutes.",
            "resolution_notes": "Root cause: a kernel patch reset ztta/roll_extension to its "
            "default. Restored the parameter and added it to the post-patch checklist.",
        },
    },
    {
        "kind": INC,
        "number": "INC0010004",
        "short_description": "Printer on floor 3 prints blank pages",
        "description": "The HP LaserJet near the east stairwell prints blank pages for every "
        "job since the toner was replaced.",
        "fields": {
            "priority": "4 - Low",
            "state": "New",
            "category": "Hardware",
            "assignment_group": "Desktop Support",
            "caller": "Abel Tuter",
            "cmdb_ci": "PRN-F3-EAST",
            "work_notes": "",
            "comments": "It is the only colour printer on the floor.",
        },
    },
    {
        "kind": INC,
        "number": "INC0010005",
        "short_description": "Customer portal returns HTTP 502 for logged-in users",
        "description": "Monitoring shows 502 errors on /portal for authenticated sessions since "
        "10:05. Anonymous pages load. Affects all customers.",
        "fields": {
            "priority": "1 - Critical",
            "state": "In Progress",
            "category": "Application",
            "assignment_group": "Web Platform",
            "caller": "Monitoring",
            "cmdb_ci": "Customer Portal",
            "work_notes": "10:09 Load balancer health checks green.\n"
            "10:14 Session service pods restarting: OOMKilled after the 10:00 deploy.\n"
            "10:22 Rolled back session-service to 4.8.2; error rate falling.",
            "comments": "",
        },
    },
    {
        "kind": CASE,
        "number": "CS0001001",
        "short_description": "Invoice shows double charge for March subscription",
        "description": "Customer was charged twice for the March Enterprise plan (2 x 4,800 "
        "EUR). Card statement attached. They ask for a refund within the week.",
        "fields": {
            "account": "Boxeo Logistics",
            "contact": "Maria Santos",
            "priority": "2 - High",
            "state": "Open",
            "customer_message": "We were billed twice this month. Can you refund the "
            "duplicate charge this week? Our finance team closes the books on Friday.",
            "comments": "Billing confirmed the duplicate payment from a retried webhook.",
        },
    },
    {
        "kind": CASE,
        "number": "CS0001002",
        "short_description": "API rate limit errors after plan upgrade",
        "description": "After upgrading to the Premium plan, the customer's integration still "
        "receives 429 responses at 100 requests per minute instead of 1,000.",
        "fields": {
            "account": "Northwind Traders",
            "contact": "Liam Chen",
            "priority": "3 - Moderate",
            "state": "Awaiting Info",
            "customer_message": "We upgraded yesterday but we still hit the old limit. "
            "Is there something we need to change on our side?",
            "comments": "The tenant's rate-limit profile was not updated by the upgrade job.",
        },
    },
    {
        "kind": CASE,
        "number": "CS0001003",
        "short_description": "Shipment tracking page shows wrong delivery date",
        "description": "Tracking for order 88120 shows delivery on the 30th while the "
        "carrier's site shows the 24th.",
        "fields": {
            "account": "Contoso Retail",
            "contact": "Ana Ruiz",
            "priority": "4 - Low",
            "state": "Open",
            "customer_message": "Which date is right? I need to be home for the delivery.",
            "comments": "",
        },
    },
    {
        "kind": CHG,
        "number": "CHG0030001",
        "short_description": "Upgrade production PostgreSQL cluster from 15 to 17",
        "description": "Major-version upgrade of the orders database cluster (3 nodes) using "
        "pg_upgrade --link during the Saturday maintenance window.",
        "fields": {
            "risk": "High",
            "state": "Assess",
            "type": "Normal",
            "assignment_group": "Database Administration",
            "implementation_plan": "1. Freeze deploys. 2. Full backup and verify restore.\n"
            "3. Stop replicas, upgrade primary with pg_upgrade --link.\n"
            "4. Rebuild replicas from the new primary. 5. Run smoke tests.",
            "backout_plan": "Restore from the verified backup onto the standby hardware and "
            "repoint the application; estimated 90 minutes.",
            "start_date": "2026-05-16 22:00",
            "end_date": "2026-05-17 02:00",
        },
    },
    {
        "kind": CHG,
        "number": "CHG0030002",
        "short_description": "Rotate TLS certificate on the public API gateway",
        "description": "The api.example.com certificate expires in 21 days. Replace it with "
        "the renewed certificate from the internal CA.",
        "fields": {
            "risk": "Low",
            "state": "Scheduled",
            "type": "Standard",
            "assignment_group": "Web Platform",
            "implementation_plan": "Upload the new certificate, switch the listener, verify "
            "the chain with openssl s_client from two regions.",
            "backout_plan": "Switch the listener back to the previous certificate.",
            "start_date": "2026-05-12 06:00",
            "end_date": "2026-05-12 06:30",
        },
    },
    {
        "kind": CHG,
        "number": "CHG0030003",
        "short_description": "Enable MFA for all VPN users",
        "description": "Require an authenticator prompt for every GlobalProtect login to meet "
        "the new security policy.",
        "fields": {
            "risk": "Moderate",
            "state": "New",
            "type": "Normal",
            "assignment_group": "Network Operations",
            "implementation_plan": "Pilot with IT staff for one week, then enable for all "
            "users in three waves by region.",
            "backout_plan": "",
            "start_date": "2026-06-01 08:00",
            "end_date": "2026-06-22 18:00",
        },
    },
    {
        "kind": CHAT,
        "number": "CHAT0001",
        "short_description": "Customer cannot reset password",
        "description": "",
        "fields": {
            "customer": "Maria Santos",
            "channel": "web chat",
            "transcript": "Customer: Hi, the password reset email never arrives.\n"
            "Agent: Sorry about that. Which address are you using?\n"
            "Customer: maria@boxeo.example\n"
            "Agent: I see the reset emails were sent but bounced: your mail server rejects "
            "our domain.\n"
            "Customer: Our IT changed the spam filter last week.\n"
            "Agent: I can send a one-time code by SMS instead, and you could ask IT to allow "
            "our domain.\n"
            "Customer: SMS please. I will talk to IT.",
        },
    },
    {
        "kind": CHAT,
        "number": "CHAT0002",
        "short_description": "Laptop very slow after update",
        "description": "",
        "fields": {
            "customer": "Joe Employee",
            "channel": "virtual agent",
            "transcript": "User: my laptop is super slow since yesterday's update\n"
            "Virtual Agent: I can help. Did you restart after the update?\n"
            "User: yes twice\n"
            "Virtual Agent: Disk usage is at 100% from the search indexer, which usually "
            "settles within a day. Would you like to talk to an agent?\n"
            "User: yes I have a demo in an hour\n"
            "Virtual Agent: Transferring you to a live agent now.",
        },
    },
    {
        "kind": CHAT,
        "number": "CHAT0003",
        "short_description": "Question about refund timeline",
        "description": "",
        "fields": {
            "customer": "Liam Chen",
            "channel": "web chat",
            "transcript": "Customer: You approved my refund on Monday, when will I get it?\n"
            "Agent: Refunds reach your card in 5 to 10 business days.\n"
            "Customer: That is too slow, we were double charged.\n"
            "Agent: I understand. I have asked billing to expedite it and will email you "
            "the reference by tomorrow.",
        },
    },
    {
        "kind": KB,
        "number": "KB0010001",
        "short_description": "How to set up email on iOS after a password change",
        "description": "Symptoms: the Mail app keeps asking for a password.\n"
        "Resolution: 1. Open Settings > Mail > Accounts. 2. Remove the work account. "
        "3. Add it again with Microsoft Exchange and sign in with the new password. "
        "4. Approve the sign-in in the authenticator app.",
        "fields": {"category": "Email", "workflow_state": "Published", "author": "Service Desk"},
    },
    {
        "kind": KB,
        "number": "KB0010002",
        "short_description": "VPN keeps disconnecting: check the IKE rekey interval",
        "description": "Symptoms: GlobalProtect disconnects at a fixed interval.\n"
        "Cause: the gateway's IKE crypto profile uses a short rekey lifetime.\n"
        "Resolution: set the IKE SA lifetime to 8 hours on the gateway profile and commit.",
        "fields": {
            "category": "Network",
            "workflow_state": "Published",
            "author": "Network Operations",
        },
    },
    {
        "kind": KB,
        "number": "KB0010003",
        "short_description": "Requesting a refund for a duplicate charge",
        "description": "Customers charged twice for the same invoice are refunded in full. "
        "Agents open a billing task with the two transaction ids; refunds reach the card in "
        "5 to 10 business days, or 2 days when expedited by billing.",
        "fields": {"category": "Billing", "workflow_state": "Published", "author": "Billing"},
    },
]
