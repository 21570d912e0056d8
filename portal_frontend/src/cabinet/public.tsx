// The cabinet's pages for visitors who are not signed in; kept apart from the cabinet's own chunk.
import { Route } from "react-router-dom";
import SignUpPage from "./pages/SignUpPage";

/** Routes for visitors who are not signed in (sign-up). */
export function CabinetPublicRoutes() {
  return <Route path="/signup" element={<SignUpPage />} />;
}
