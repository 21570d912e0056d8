// The cabinet's pages for visitors who are not signed in; kept apart from the cabinet's own chunk.
import { Route } from "react-router-dom";
import SignUpConfirmPage from "./pages/SignUpConfirmPage";
import SignUpPage from "./pages/SignUpPage";

/** Routes for visitors who are not signed in (sign-up and its confirmation by the e-mailed link). */
export function CabinetPublicRoutes() {
  return [
    <Route key="signup" path="/signup" element={<SignUpPage />} />,
    <Route key="confirm" path="/signup/confirm/:token" element={<SignUpConfirmPage />} />,
  ];
}
