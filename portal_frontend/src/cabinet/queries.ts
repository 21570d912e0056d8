// Every GraphQL operation of the residents' cabinet (names start with "Cabinet").
import { graphql } from "../gql";

export const HouseholdsQuery = graphql(`
  query CabinetHouseholds {
    residentHouseholds {
      els
      address
      linkedAt
      eReceipts
      amountDue
      currentDocumentId
      currentMonth
      accounts {
        principalId
        principalName
        accountNumber
        payerName
        persons
        balance
      }
    }
  }
`);

export const SignUpMutation = graphql(`
  mutation CabinetSignUp($email: String!, $password: String!, $fullName: String!) {
    residentSignUp(email: $email, password: $password, fullName: $fullName) {
      errors { field message code }
      sent
    }
  }
`);

export const SignUpConfirmMutation = graphql(`
  mutation CabinetSignUpConfirm($token: String!, $password: String!) {
    residentSignUpConfirm(token: $token, password: $password) {
      errors { field message code }
      me { email fullName isAuthenticated isResident }
    }
  }
`);

export const LinkAccountMutation = graphql(`
  mutation CabinetLinkAccount($els: String!, $code: String!) {
    residentLinkAccount(els: $els, code: $code) {
      errors { field message code }
      household { els address }
    }
  }
`);

export const UnlinkAccountMutation = graphql(`
  mutation CabinetUnlinkAccount($els: String!) {
    residentUnlinkAccount(els: $els) {
      errors { field message code }
      ok
    }
  }
`);

export const EReceiptsMutation = graphql(`
  mutation CabinetEReceipts($els: String!, $enabled: Boolean!) {
    residentEReceipts(els: $els, enabled: $enabled) {
      errors { field message code }
      els
      enabled
    }
  }
`);

export const DocumentsQuery = graphql(`
  query CabinetDocuments($els: String, $allVersions: Boolean) {
    residentDocuments(els: $els, allVersions: $allVersions) {
      id
      ipd
      els
      month
      version
      isCurrent
      dueDate
      address
      totalDue
      pdfReady
    }
  }
`);

export const DocumentQuery = graphql(`
  query CabinetDocument($id: ID!) {
    residentDocument(id: $id) {
      id
      ipd
      els
      month
      version
      isCurrent
      dueDate
      payer
      address
      totalDue
      pdfReady
      downloadUrl
      totals { opening paid charged recalculated benefits penalties closing amountDue }
      payees {
        principalId
        name
        inn
        accountNumber
        opening
        paid
        charged
        recalculated
        benefits
        penalties
        debt
        amountDue
        lines { service unit method quantity rate charged recalculated benefits penalties total }
        recalculations { service reason comment amount }
        meters { service serial zone previous current }
      }
    }
  }
`);

/** A fresh short-lived PDF link, asked for on every click. */
export const DocumentLinkQuery = graphql(`
  query CabinetDocumentLink($id: ID!) {
    residentDocument(id: $id) { id pdfReady downloadUrl }
  }
`);

export const HistoryQuery = graphql(`
  query CabinetHistory($els: String!, $months: Int) {
    residentHistory(els: $els, months: $months) {
      els
      charges { month principalId principalName serviceCode serviceName unit quantity amount consumption }
      payments { id paidOn amount channel status }
    }
  }
`);

export const MetersQuery = graphql(`
  query CabinetMeters {
    residentMeters {
      principalId
      principalName
      meterId
      serial
      serviceName
      zones
      accountNumber
      windowStartDay
      windowEndDay
      windowOpen
      lastReadings { zone value }
      lastReadingDate
      lastPeriod
    }
  }
`);

export const ReadingSubmitMutation = graphql(`
  mutation CabinetReadingSubmit($principalId: ID!, $meterId: ID!, $readingDate: Date!, $values: [ZoneValue!]!) {
    residentReadingSubmit(principalId: $principalId, meterId: $meterId, readingDate: $readingDate, values: $values) {
      errors { field message code }
      readings { id period zone value readingDate flagged }
    }
  }
`);

export const PaymentStartMutation = graphql(`
  mutation CabinetPaymentStart($els: String!, $amount: Decimal) {
    residentPaymentStart(els: $els, amount: $amount) {
      errors { field message code }
      onlinePaymentId
      clientSecret
      amount
    }
  }
`);

export const PaymentConfirmMutation = graphql(`
  mutation CabinetPaymentConfirm($onlinePaymentId: ID!, $cardToken: String!) {
    residentPaymentConfirm(onlinePaymentId: $onlinePaymentId, cardToken: $cardToken) {
      errors { field message code }
      status
      requiresAction
      clientSecret
    }
  }
`);

export const OnlinePaymentsQuery = graphql(`
  query CabinetOnlinePayments($els: String!) {
    residentOnlinePayments(els: $els) { id els epdIpd amount refunded status createdAt updatedAt }
  }
`);

export const ChangeRequestsQuery = graphql(`
  query CabinetChangeRequests($els: String) {
    residentChangeRequests(els: $els) {
      id
      els
      principalId
      principalName
      accountNumber
      kind
      persons
      payerName
      comment
      status
      answer
      createdAt
      resolvedAt
    }
  }
`);

export const ChangeRequestCreateMutation = graphql(`
  mutation CabinetChangeRequestCreate(
    $els: String!
    $principalId: ID!
    $kind: ChangeRequestKind!
    $persons: Int
    $payerName: String
    $comment: String
  ) {
    residentChangeRequestCreate(
      els: $els
      principalId: $principalId
      kind: $kind
      persons: $persons
      payerName: $payerName
      comment: $comment
    ) {
      errors { field message code }
      request { id status }
    }
  }
`);

export const AppealsQuery = graphql(`
  query CabinetAppeals($first: Int, $after: String, $status: AppealStatus) {
    appeals(first: $first, after: $after, status: $status) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number subject status els principalName createdAt updatedAt }
    }
  }
`);

export const AppealQuery = graphql(`
  query CabinetAppeal($id: ID!) {
    appeal(id: $id) {
      id
      number
      subject
      status
      els
      principalId
      principalName
      authorName
      createdAt
      updatedAt
      messages { id authorName fromStaff text createdAt }
    }
  }
`);

export const AppealCreateMutation = graphql(`
  mutation CabinetAppealCreate($subject: String!, $text: String!, $els: String, $principalId: ID) {
    appealCreate(subject: $subject, text: $text, els: $els, principalId: $principalId) {
      errors { field message code }
      appeal { id number }
    }
  }
`);

export const AppealReplyMutation = graphql(`
  mutation CabinetAppealReply($id: ID!, $text: String!) {
    appealReply(id: $id, text: $text) {
      errors { field message code }
      appeal { id status }
    }
  }
`);

export const AppealCloseMutation = graphql(`
  mutation CabinetAppealClose($id: ID!) {
    appealClose(id: $id) {
      errors { field message code }
      appeal { id status }
    }
  }
`);
